"""The changes since a git revision, as the app's diff filter reads them: for `--diff-base`.

This is the one module of the CLI that runs `git`; what it returns is a
`chronolog.diff.FileDiff`, built by the same `file_diff` the app builds from GitHub's
patch, so the CLI and the app mark findings alike.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from chronolog.diff import FileDiff, file_diff

# `git hash-object -t tree /dev/null`: the empty tree, the base of a repository's first commit.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
# The options that make `git diff` print what GitHub's `patch` holds, whatever the user's
# git config says (colour, external diff tools, rename detection, another algorithm).
_DIFF_OPTIONS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-renames",
    "--diff-algorithm=myers",
    "--unified=3",
)


class GitError(Exception):
    """git could not answer; the message says what to do."""


@dataclass(frozen=True)
class Base:
    """A resolved `--diff-base`: the revision as given and the commit or tree to diff with."""

    name: str
    revision: str


def resolve_base(name: str, cwd: Path) -> Base:
    """Check that `name` is a commit here; `HEAD` before the first commit is the empty tree."""
    found = _git(cwd, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
    if found.returncode == 0:
        return Base(name, found.stdout.strip())
    if name == "HEAD" and _git(cwd, "rev-parse", "--git-dir").returncode == 0:
        return Base(name, EMPTY_TREE)  # no commit yet: every line is new
    inside = _git(cwd, "rev-parse", "--git-dir").returncode == 0
    if not inside:
        raise GitError(f"--diff-base {name}: {cwd} is not in a git repository")
    raise GitError(
        f"--diff-base {name}: not a commit in this repository "
        "(fetch it first, e.g. `git fetch origin main`, or name a branch, tag or sha)"
    )


def diff_since(base: Base, path: str) -> FileDiff:
    """How the file at `path` (as it is on disk) differs from `base`, as a `FileDiff`.

    A file that `base` does not have, tracked or not, is added: all of its lines are new.
    """
    file = Path(path)
    folder = file.parent if str(file.parent) else Path(".")
    result = _git(folder, "diff", *_DIFF_OPTIONS, base.revision, "--", file.name)
    if result.returncode != 0:
        raise GitError(f"{path}: git diff {base.name} failed: {result.stderr.strip()}")
    header, _, body = result.stdout.partition("\n@@")
    if "\nnew file mode" in f"\n{header}" or "\n--- /dev/null" in f"\n{header}":
        status = "added"
    elif not result.stdout:
        tracked = _git(folder, "ls-files", "--error-unmatch", "--", file.name).returncode == 0
        status = "modified" if tracked else "added"
    else:
        status = "modified"
    patch = f"@@{body}" if body else ""
    return file_diff({"filename": path, "status": status, "patch": patch})


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        raise GitError("--diff-base needs git, and git is not installed") from None
