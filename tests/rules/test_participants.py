"""`participants`: an entry's first line starts with the @handles of everyone involved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from chronolog.check import check_log, fix_text, select_rules
from chronolog.handles import is_github_login, leading_handles
from chronolog.parse import parse_log
from chronolog.rule import Context
from chronolog.rules.participants import RULE

LOGS = Path(__file__).parents[1] / "fixtures" / "logs"
TODAY = dt.date(2026, 11, 25)
NO_AUTHOR = Context(today=TODAY)
OCTOCAT = Context(today=TODAY, author="octocat")

WITHOUT_AUTHOR = (
    "the entry's first line {} does not list everyone involved; start it with their "
    "GitHub handles, like `@alice, @bob` (`--author HANDLE` lets chronolog add yours)"
)
WITH_AUTHOR = (
    "the entry's first line {} does not list everyone involved; start it with their "
    "GitHub handles, like `@octocat`"
)


def findings(text: str, context: Context = NO_AUTHOR) -> list[tuple[str, int, str]]:
    return [(f.rule, f.line, f.message) for f in check_log(parse_log(text), context, [RULE])]


def fixed(text: str, context: Context = OCTOCAT) -> str:
    return fix_text(text, context, [RULE]).text


def entry(body: str) -> str:
    """A one-entry log whose body starts on line 5."""
    return f"# Log\n\n## 2022-11-25\n\n{body}\n"


@pytest.mark.parametrize(
    "first_line",
    [
        "@bobheadxi",
        "@davejrt, @bobheadxi, @jhchabran",
        "@jhchabran / @burmudar  quick recap about the bets and cooldown:",
        "@jhchabran and @sanderginn, GitHub outage affecting webhooks",
        "@jhchabran @burmudar: Due to https://example.com",
        "@a & @b",
        "@jhchabran, I swapped the GitHub QA token",
        "@jhchabran _when banging your head at walls_",
        "@burmudar A bit late but thought I'd log two things.",
        "@marek-web.",
        "   @indented-three-spaces",
        "@" + "a" * 39,
    ],
)
def test_a_first_line_that_starts_with_handles_is_accepted(first_line: str) -> None:
    assert findings(entry(first_line + "\n\nMore text.")) == []


@pytest.mark.parametrize(
    ("first_line", "excerpt"),
    [
        ("Kalan:", "`Kalan:`"),
        ("@DURATION=3h", "`@DURATION=3h`"),  # a tag, not a person
        ("@-bob did it", "`@-bob did it`"),
        ("@bob- did it", "`@bob- did it`"),
        ("@bob--smith did it", "`@bob--smith did it`"),
        ("@bob_smith did it", "`@bob_smith did it`"),
        ("@" + "a" * 40, "`@" + "a" * 39 + "…`"),
        ("- @bob in a list", "`- @bob in a list`"),
        ("**@bob** in bold", "`**@bob** in bold`"),
        ("Fixed `sg lint` with @bob", "`` Fixed `sg lint` with @bob ``"),
        (
            "DevX was flagged that S2 had not been deployed to for 6 days.",
            "`DevX was flagged that S2 had not been de…`",
        ),
    ],
)
def test_a_first_line_without_leading_handles_is_an_error(first_line: str, excerpt: str) -> None:
    assert findings(entry(first_line)) == [
        ("participants", 5, WITHOUT_AUTHOR.format(excerpt)),
    ]


def test_without_an_author_no_fix_is_offered() -> None:
    text = entry("Kalan: worked on dotcom")
    [finding] = check_log(parse_log(text), NO_AUTHOR, [RULE])
    assert finding.fix is None
    assert fixed(text, NO_AUTHOR) == text


def test_a_handle_inside_a_code_block_does_not_count() -> None:
    text = entry("```\n@bob\n```")
    assert findings(text, OCTOCAT) == [("participants", 5, WITH_AUTHOR.format("```` ``` ````"))]
    assert fixed(text) == entry("@octocat\n\n```\n@bob\n```")


def test_only_the_first_non_blank_line_counts() -> None:
    text = "## 2022-11-25\n\n\nDid things.\n\n@bob later\n"
    assert findings(text) == [("participants", 4, WITHOUT_AUTHOR.format("`Did things.`"))]


def test_every_entry_is_checked_whatever_its_heading() -> None:
    text = "## 2022-11-25\n\n@bob\n\n## 25/11/2022\n\nDid things.\n\n## Notes\nMore.\n"
    assert findings(text) == [
        ("participants", 7, WITHOUT_AUTHOR.format("`Did things.`")),
        ("participants", 10, WITHOUT_AUTHOR.format("`More.`")),
    ]


def test_an_empty_entry_is_left_to_empty_entry() -> None:
    assert findings("## 2022-11-26\n\n## 2022-11-25\n\n@bob\n") == []


@pytest.mark.parametrize(
    ("body", "fixed_body"),
    [
        # Prose: the handle goes in front, as in "@jhchabran Noticed that...".
        ("Kalan:\nWorking with Daniel", "@octocat Kalan:\nWorking with Daniel"),
        ("  Indented prose", "@octocat Indented prose"),
        # Anything else keeps its structure below a line of its own.
        ("- a list item", "@octocat\n\n- a list item"),
        ("1. a numbered item", "@octocat\n\n1. a numbered item"),
        ("> a quote", "@octocat\n\n> a quote"),
        ("### A sub-heading", "@octocat\n\n### A sub-heading"),
        ("    indented code", "@octocat\n\n    indented code"),
        ("<details>\n</details>", "@octocat\n\n<details>\n</details>"),
        ("| a | b |\n|---|---|", "@octocat\n\n| a | b |\n|---|---|"),
        ("a | b\n--|--", "@octocat\n\na | b\n--|--"),
    ],
)
def test_the_fix_puts_the_author_first(body: str, fixed_body: str) -> None:
    text = entry(body)
    [finding] = check_log(parse_log(text), OCTOCAT, [RULE])
    assert finding.fix is not None
    assert finding.fix.applicability == "safe"
    assert fixed(text) == entry(fixed_body)


def test_the_author_may_be_given_with_an_at_sign() -> None:
    assert fixed(entry("Did things."), Context(TODAY, author="@octocat")) == entry(
        "@octocat Did things."
    )


def test_an_author_that_is_not_a_github_login_gets_no_fix() -> None:
    text = entry("Did things.")
    [finding] = check_log(parse_log(text), Context(TODAY, author="not a login"), [RULE])
    assert finding.fix is None
    assert finding.message == WITHOUT_AUTHOR.format("`Did things.`")


def test_fixing_twice_equals_fixing_once_and_the_result_checks_clean() -> None:
    text = "## 2022-11-26\n- item\n\n## 2022-11-25\n\nprose\n\n## 2022-11-24\n```\ncode\n```\n"
    once = fixed(text)
    assert once == (
        "## 2022-11-26\n@octocat\n\n- item\n\n## 2022-11-25\n\n@octocat prose\n\n"
        "## 2022-11-24\n@octocat\n\n```\ncode\n```\n"
    )
    assert fixed(once) == once
    assert findings(once, OCTOCAT) == []


def test_crlf_line_endings_are_kept() -> None:
    assert (
        fixed("## 2022-11-25\r\n\r\n- item\r\n")
        == "## 2022-11-25\r\n\r\n@octocat\r\n\r\n- item\r\n"
    )


def test_leading_handles_lists_the_participants() -> None:
    assert leading_handles("@davejrt, @bobheadxi, @jhchabran") == (
        "@davejrt",
        "@bobheadxi",
        "@jhchabran",
    )
    assert leading_handles("@jhchabran and @william The executors image") == (
        "@jhchabran",
        "@william",
    )
    assert leading_handles("@jhchabran / @burmudar quick recap, cc @bob") == (
        "@jhchabran",
        "@burmudar",
    )
    assert leading_handles("@DURATION=3h") == ()
    assert leading_handles("Kalan:") == ()


def test_is_github_login() -> None:
    assert is_github_login("bobheadxi")
    assert is_github_login("marek-web")
    assert not is_github_login("@bobheadxi")
    assert not is_github_login("-bob")
    assert not is_github_login("bob--smith")
    assert not is_github_login("a" * 40)


# Real logs: every finding below is a real entry without @handles in its first line.


def read(name: str) -> str:
    return (LOGS / name).read_text(encoding="utf-8")


def test_the_reference_log_has_no_participants_finding() -> None:
    # Its 58 entries open with handles in every shape the rule accepts.
    assert findings(read("devx-support-log-2022.md")) == []


@pytest.mark.parametrize(
    "name",
    [
        "devx-support-log.md",
        "devx-support-log-cd.base.md",
        "devx-support-log.base.md",
        "devx-support-log.head.md",
        "devx-devops.md",
        "devx-observability.md",
        # `@milan` is not the author's login (kopancek), but it is spelled like one.
        "devx-scaletesting-log.base.md",
        "devx-scaletesting-log.head.md",
    ],
)
def test_logs_that_keep_the_convention_have_no_finding(name: str) -> None:
    assert findings(read(name)) == []


def test_the_new_top_entry_of_the_cd_push_has_no_handle() -> None:
    # The author added the handle two commits later ("Forgot name AGAIN").
    text = read("devx-support-log-cd.head.md")
    assert findings(text) == [
        (
            "participants",
            7,
            WITHOUT_AUTHOR.format("`DevX was flagged that S2 had not been de…`"),
        )
    ]
    repaired = fixed(text, Context(TODAY, author="sanderginn")).split("\n")
    assert repaired[6].startswith("@sanderginn DevX was flagged that S2 had not been deployed")
    assert repaired[7:] == text.split("\n")[7:]


def test_the_pre_iso_devops_log_names_people_in_prose() -> None:
    text = read("devx-devops-pre-iso.md")
    assert findings(text) == [
        ("participants", 9, WITHOUT_AUTHOR.format("`Kalan:`")),
        ("participants", 22, WITHOUT_AUTHOR.format("`Opened a [PR](https://github.com/sourceg…`")),
    ]
    lines = fixed(text, Context(TODAY, author="kalanchan")).split("\n")
    assert lines[8] == "@kalanchan Kalan:"
    assert lines[21].startswith("@kalanchan Opened a [PR]")


@pytest.mark.parametrize(
    ("name", "line", "excerpt"),
    [
        # "Alex Ostrikov reached me out this morning..." with no handle.
        ("devx-observability-outoforder.md", 10, "`Alex Ostrikov reached me out this mornin…`"),
        # The 2022-04-08 entry starts with "End-to-end working implementation".
        ("devx-stateless-agents-chrono.md", 182, "`End-to-end working implementation: https…`"),
    ],
)
def test_other_entries_that_start_with_prose(name: str, line: int, excerpt: str) -> None:
    assert findings(read(name)) == [("participants", line, WITHOUT_AUTHOR.format(excerpt))]


def test_in_a_review_the_author_is_credited_only_for_entries_the_change_added() -> None:
    # Line 3-5 is an old entry without handles; the change added the entry at 7-9.
    text = "# Log\n\n## 2022-11-26\n\nnew work\n\n## 2020-01-02\n\nold work\n"
    review = Context(today=TODAY, author="octocat", changed_lines=frozenset({3, 4, 5, 6}))
    found = check_log(parse_log(text), review, select_rules(["participants"]))
    assert [(f.line, f.fix is not None) for f in found] == [(5, True), (9, False)]
