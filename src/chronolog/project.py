"""The project `chronolog check` runs in: its root, its config and the logs it names.

The config is the app's own, `.github/chronolog.yml`, found as ruff finds its config: in
the working directory or the nearest one above it, never above the repository root (the
directory holding `.git`). It is read by `chronolog.config.parse_config`, as in the app, so
the CLI and the app apply the same `logs`, rules, severities and `order`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from chronolog.config import CONFIG_PATH, ConfigError, RepoConfig, parse_config
from chronolog.parse import LogDecodeError, decode_log

_GLOB_CHARS = frozenset("*?[")


class ProjectError(Exception):
    """A config that cannot be used; the message names the file (and the line)."""


@dataclass(frozen=True)
class Project:
    """Where `logs:` globs start (`root`), and the config read there (None: the defaults)."""

    root: Path
    config_path: Path | None = None
    config: RepoConfig = field(default_factory=RepoConfig)


def repository_root(start: Path) -> Path:
    """The nearest directory at or above `start` that holds `.git`, else `start` itself."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def find_config(start: Path) -> Path | None:
    """`.github/chronolog.yml` in `start` or the nearest directory above it that has one,
    looking no higher than the repository root; None when there is none."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_PATH
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def load_project(cwd: Path, *, config: str | None = None, isolated: bool = False) -> Project:
    """The project for a run in `cwd`: the config given, found, or none with `isolated`.

    The `logs:` globs of `X/.github/chronolog.yml` start at `X`; those of a config given
    anywhere else start at the repository root. Raises `ProjectError` for a config that
    cannot be read or is invalid.
    """
    if isolated:
        return Project(repository_root(cwd))
    path = (cwd / config) if config is not None else find_config(cwd)
    if path is None:
        return Project(repository_root(cwd))
    shown = display_path(path, cwd)
    return Project(config_root(path, cwd), path, read_config(path, shown))


def config_root(path: Path, cwd: Path) -> Path:
    """Where the globs of the config at `path` start (see `load_project`)."""
    if path.parent.name == ".github" and path.name == Path(CONFIG_PATH).name:
        return path.parent.parent
    return repository_root(cwd)


def read_config(path: Path, shown: str) -> RepoConfig:
    """The config in the file at `path` (called `shown` in messages)."""
    try:
        text = decode_log(path.read_bytes(), shown)
    except OSError as error:
        raise ProjectError(f"{shown}: cannot read the config: {error.strerror or error}") from None
    except LogDecodeError as error:
        raise ProjectError(str(error)) from None
    try:
        return parse_config(text)
    except ConfigError as error:
        raise ProjectError(f"{shown}:{error.line}: {error.message}") from None


def configured_logs(project: Project, cwd: Path) -> list[str]:
    """The files under the project root that its `logs:` names, as paths from `cwd`
    (sorted, each once). Only the folders a glob can reach are walked; `.git` never is."""
    found: set[str] = set()
    for pattern in project.config.logs:
        for candidate in _files_under(project.root / _fixed_prefix(pattern)):
            relative = candidate.relative_to(project.root).as_posix()
            if project.config.matches_log_path(relative):
                found.add(display_path(candidate, cwd))
    return sorted(found)


def _files_under(start: Path) -> list[Path]:
    """`start` when it is a file, else every file below it (none when it does not exist)."""
    if start.is_file():
        return [start]
    files: list[Path] = []
    for folder, folders, names in os.walk(start):
        folders[:] = [name for name in folders if name != ".git"]
        files.extend(Path(folder) / name for name in names)
    return files


def _fixed_prefix(pattern: str) -> str:
    """The folders a glob starts with before its first wildcard: `ops/2024/*.md` -> `ops/2024`."""
    parts = pattern.strip().removeprefix("./").lstrip("/").split("/")
    fixed = []
    for part in parts[:-1]:
        if _GLOB_CHARS & set(part):
            break
        fixed.append(part)
    else:
        if parts and not _GLOB_CHARS & set(parts[-1]):
            fixed.append(parts[-1])  # a plain path: the file itself
    return "/".join(fixed)


def display_path(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` (with `..` when it is elsewhere), with forward slashes."""
    try:
        return Path(os.path.relpath(path, cwd)).as_posix()
    except ValueError:  # another drive, on Windows
        return str(path)
