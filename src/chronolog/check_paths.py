"""The files a `chronolog check PATH...` names: files, directories, glob patterns and `-`.

- A file is itself (even when its name holds `*` or `[`).
- A directory is searched, hidden folders (`.git`, `.venv`) left out: for the files the
  config's `logs:` names when it has `logs:`, else for Markdown files (`*.md`, `*.markdown`).
- A pattern with `*`, `?` or `[` that is not a file is a glob, expanded by chronolog (so it
  works the same when the shell did not expand it, as on Windows or when quoted); `**`
  matches any number of folders, and hidden files match only when the pattern says so.
- `-` is the standard input.

Each file is checked once (`log.md` and `./log.md` are one file), in the order named; a
directory's or a glob's files are sorted.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chronolog.detect import is_markdown_path
from chronolog.project import Project, display_path

STDIN = "-"
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Expanded:
    """The paths to check (`-` for stdin), and a message for each argument that named no
    file (a directory without a log, a pattern that matches nothing)."""

    paths: tuple[str, ...]
    problems: tuple[str, ...]


def expand_paths(arguments: Sequence[str], project: Project, cwd: Path) -> Expanded:
    """Turn the command line's PATH arguments into the files to check (see the module)."""
    paths: dict[str, str] = {}  # the file (resolved) -> the path as first named
    problems: list[str] = []
    for argument in arguments:
        found = list(_expand(argument, project, cwd))
        for path in found:
            paths.setdefault(path if path == STDIN else str((cwd / path).resolve()), path)
        if found:
            continue
        if (cwd / argument).is_dir():
            wanted = "file the config's `logs:` names" if project.config.logs else "Markdown file"
            problems.append(f"{argument}: no {wanted} in this directory")
        else:
            problems.append(f"{argument}: the pattern matches no file")
    return Expanded(tuple(paths.values()), tuple(problems))


def _expand(argument: str, project: Project, cwd: Path) -> Iterable[str]:
    if argument == STDIN:
        return [STDIN]
    path = cwd / argument
    if path.is_dir():
        return _search(path, project, cwd)
    if path.exists() or not _GLOB_CHARS & set(argument):
        return [argument]  # a file, or a name that `check` reports as missing
    matches = glob.glob(argument, root_dir=cwd, recursive=True)
    return sorted(Path(match).as_posix() for match in matches if (cwd / match).is_file())


def _search(directory: Path, project: Project, cwd: Path) -> list[str]:
    """The logs under `directory`: those `logs:` names, or Markdown files without `logs:`."""
    found = []
    for folder, folders, names in os.walk(directory):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in names:
            file = Path(folder) / name
            if _wanted(file, project):
                found.append(display_path(file, cwd))
    return sorted(found)


def _wanted(file: Path, project: Project) -> bool:
    if not project.config.logs:
        return is_markdown_path(file.name)
    try:
        relative = file.resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:  # outside the project: no glob of `logs:` can name it
        return False
    return bool(project.config.matches_log_path(relative))
