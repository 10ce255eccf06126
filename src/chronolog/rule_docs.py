"""Each rule's documentation page, shipped in the package: for `chronolog rule NAME` and for
SARIF's `fullDescription`, `help` and `helpUri`.

The pages are `chronolog/rules/docs/NAME.md` (package data, in every install, the light one
included); the repository's docs link to them there, so there is one copy. Links inside a
page are relative to that folder; `absolute_links` turns them into links to the page's
release on GitHub, for readers that see the text out of the repository.
"""

from __future__ import annotations

import posixpath
import re
from importlib import resources

from chronolog import __version__
from chronolog.output import PROJECT_URL

DOCS_FOLDER = "src/chronolog/rules/docs"
# `[text](target)` with a relative target: not `http:`, `mailto:`, `#anchor` or `/root`.
_RELATIVE_LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:|#|/)([^)\s]+)\)")


def release_url(version: str = __version__) -> str:
    """The repository's tree where the docs of `version` are: its release tag (`v0.1.0`),
    whatever has changed on the default branch since; for a development version
    (`0.2.0.dev0`, installed from a checkout between releases), the default branch."""
    ref = "main" if ".dev" in version else f"v{version}"
    return f"{PROJECT_URL}/blob/{ref}"


def rule_doc_url(name: str, version: str = __version__) -> str:
    """The rule's page on GitHub, at the release of `version`."""
    return f"{release_url(version)}/{DOCS_FOLDER}/{name}.md"


def rule_doc(name: str) -> str:
    """The rule's page as Markdown. Raises `FileNotFoundError` for a name with no page."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise FileNotFoundError(name)
    page = resources.files("chronolog.rules") / "docs" / f"{name}.md"
    return page.read_text(encoding="utf-8")


def first_paragraph(page: str, section: str = "What it checks") -> str:
    """The first paragraph under `## section`, on one line (SARIF's `fullDescription`)."""
    _, found, after = page.partition(f"\n## {section}\n")
    if not found:
        return ""
    paragraph = after.strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def absolute_links(page: str, version: str = __version__) -> str:
    """`page` with its relative links pointing at the repository at the release of `version`."""
    base = release_url(version)

    def absolute(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(DOCS_FOLDER, match.group(1)))
        return f"]({base}/{target})"

    return _RELATIVE_LINK.sub(absolute, page)
