"""What docs/releasing.md promises: one version, a Keep a Changelog CHANGELOG that agrees with
it, install snippets that pin a real revision, and the rule pages in every install."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

from chronolog import __version__
from chronolog.rules import ALL_RULES

ROOT = Path(__file__).parent.parent
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
RELEASE = re.compile(r"^## \[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2})$", re.MULTILINE)
SECTIONS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
REPO = "https://github.com/chronolog/chronolog"


def released() -> list[tuple[str, str]]:
    """(version, date) of each release in CHANGELOG.md, in the order written."""
    return [(".".join(m.group(1, 2, 3)), m.group(4)) for m in RELEASE.finditer(CHANGELOG)]


def test_the_version_is_written_once() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "chronolog.__version__"
    }
    # A release (X.Y.Z) or the next one in development (X.Y.Z.devN).
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+)?", __version__)


def test_the_changelog_keeps_a_changelog() -> None:
    headings = re.findall(r"^## .*$", CHANGELOG, re.MULTILINE)
    assert headings[0] == "## [Unreleased]"
    assert len(headings) == 1 + len(released())  # every other H2 is a dated release
    versions = [tuple(map(int, version.split("."))) for version, _ in released()]
    dates = [date for _, date in released()]
    assert versions == sorted(versions, reverse=True)
    assert dates == sorted(dates, reverse=True)
    for section in re.findall(r"^### (.*)$", CHANGELOG, re.MULTILINE):
        assert section in SECTIONS
    links = dict(re.findall(r"^\[([^\]]+)\]: (\S+)$", CHANGELOG, re.MULTILINE))
    assert set(links) == {"Unreleased"} | {version for version, _ in released()}
    if released():
        newest = released()[0][0]
        assert links["Unreleased"] == f"{REPO}/compare/v{newest}...HEAD"
    else:
        assert links["Unreleased"] == f"{REPO}/commits/main"


def test_the_version_matches_the_changelog() -> None:
    versions = [version for version, _ in released()]
    if __version__.split(".dev")[0] != __version__:  # a development version
        # The next release: newer than every release listed.
        assert all(
            tuple(map(int, __version__.split(".dev")[0].split("."))) > tuple(map(int, v.split(".")))
            for v in versions
        )
    else:
        assert versions[0] == __version__


def test_the_install_snippets_pin_the_newest_release_or_a_sha_before_the_first() -> None:
    texts = [(ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "docs/cli.md")]
    revs = [rev for text in texts for rev in re.findall(r"^\s*rev: (\S+)", text, re.MULTILINE)]
    uses = [use for text in texts for use in re.findall(r"uses: chronolog/chronolog@(\S+)", text)]
    assert revs
    assert uses
    if released():
        assert set(revs + uses) == {f"v{released()[0][0]}"}
    else:  # no tag exists yet: a tag here would be a revision that does not exist
        assert all(re.fullmatch(r"[0-9a-f]{40}", pinned) for pinned in revs + uses)


def test_every_rule_page_is_package_data() -> None:
    # `chronolog rule` and SARIF's help read the pages from the installed package, the light
    # install included: they must match the package-data globs the wheel is built with.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["chronolog"]
    package = ROOT / "src" / "chronolog"
    pages = sorted(path.relative_to(package).as_posix() for path in package.glob("rules/docs/*"))
    assert pages == sorted(f"rules/docs/{rule.name}.md" for rule in ALL_RULES)
    for page in pages:
        assert any(fnmatch(page, pattern) for pattern in patterns), page


def test_relative_links_in_the_docs_lead_to_files_that_exist() -> None:
    # The rule pages moved into the package; a link left pointing at the old place is caught.
    documents = [
        ROOT / "README.md",
        ROOT / "CHANGELOG.md",
        *(ROOT / "docs").rglob("*.md"),
        *(ROOT / "src" / "chronolog" / "rules" / "docs").glob("*.md"),
    ]
    broken = []
    for document in documents:
        text = re.sub(r"```.*?```", "", document.read_text(encoding="utf-8"), flags=re.DOTALL)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z][a-z0-9+.-]*:|#", target):
                continue
            path = (document.parent / target.split("#")[0]).resolve()
            if not path.exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")
    assert broken == []
