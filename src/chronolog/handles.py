"""GitHub handles: how a login is spelled, and the `@handles` a participants line starts with."""

from __future__ import annotations

import re

# A GitHub login: letters, digits and single hyphens, not at either end, at most 39 long.
LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
# The lookahead stops `@DURATION=3h` (a tag, not a person) and over-long or `_` names.
_HANDLE = rf"@{LOGIN.pattern}(?![A-Za-z0-9_=-])"
# Separators as the reference log writes them: `@a, @b`, `@a / @b`, `@a and @b`, `@a @b`.
_SEPARATOR = r"(?:[ \t]*[,/&][ \t]*|[ \t]+and[ \t]+|[ \t]+)"
_LEADING = re.compile(rf"[ \t]*(?P<handles>{_HANDLE}(?:{_SEPARATOR}{_HANDLE})*)")
_ONE_HANDLE = re.compile(_HANDLE)


def is_github_login(name: str) -> bool:
    """True when `name` (without `@`) is spelled like a GitHub login."""
    return LOGIN.fullmatch(name) is not None


def leading_handles(line: str) -> tuple[str, ...]:
    """The `@handles` a participants line starts with (with `@`), or () if it starts otherwise."""
    match = _LEADING.match(line)
    if match is None:
        return ()
    return tuple(_ONE_HANDLE.findall(match.group("handles")))
