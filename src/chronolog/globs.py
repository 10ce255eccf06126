"""Globs over repository paths, as `logs:` in `.github/chronolog.yml` writes them."""

from __future__ import annotations

import re
from functools import cache


@cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a glob over repository paths, fnmatch-style with `**`.

    `*` and `?` stay inside one path segment, `**` spans any number of segments
    (`ops/**/*.md` matches `ops/log.md` and `ops/a/b/log.md`), `[abc]` is a class.
    """
    pattern = pattern.strip().removeprefix("./").lstrip("/")
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:[^/]*/)*")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (close := pattern.find("]", index + 2)) != -1:
            body = pattern[index + 1 : close]
            negate = body.startswith("!")
            body = (body[1:] if negate else body).replace("\\", "\\\\")
            out.append(f"[{'^' if negate else ''}{body}]")
            index = close + 1
            continue
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out))
