"""Backlink comments: scope, rendering, what a push affects and the plan for each target."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from chronolog.backlinks import (
    Action,
    EntryLink,
    ExistingComment,
    LogSource,
    PlannedComment,
    PreviewItem,
    Status,
    affected_targets,
    backlink_index,
    backlink_marker,
    backlink_scope,
    code_span,
    plan_backlinks,
    plan_comment,
    render_backlink_comment,
    render_preview,
)
from chronolog.parse import parse_log
from chronolog.references import Reference, find_references
from tests.conftest import LOGS

REPO = "sourcegraph/devx-scratch"
PATH = "2022/support/log.snb.md"
SHA = "da94ffd0123456789abcdef0123456789abcdef0"
SOURCE = LogSource("github.com", REPO, PATH, "main", SHA)
BLOB = f"https://github.com/{REPO}/blob"
FOOTER = (
    "<sub>Written by chronolog from the log and kept up to date; "
    "edits to this comment are overwritten.</sub>"
)
ISSUE_43282 = Reference("sourcegraph", "sourcegraph", 43282)


def reference_text() -> str:
    return (LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8")


def index_of(
    text: str, scope_owners: tuple[str, ...] = ()
) -> dict[Reference, tuple[EntryLink, ...]]:
    log = parse_log(text)
    refs = find_references(log, host="github.com", repo=REPO)
    return backlink_index(log, refs, backlink_scope(REPO, owners=scope_owners))


def test_default_scope_is_the_log_repository_owner() -> None:
    index = index_of(reference_text())

    assert len(index) == 72  # 76 targets, 4 of them outside the sourcegraph organisation
    assert {t.owner for t in index} == {"sourcegraph"}


def test_configured_scope() -> None:
    scope = backlink_scope(REPO, owners=["Kennyp"], repos=["Sourcegraph/Handbook"])

    assert Reference("kennyp", "asdf-golang", 79) in scope
    assert Reference("sourcegraph", "handbook", 5148) in scope
    assert Reference("sourcegraph", "sourcegraph", 1) not in scope
    assert scope.describe() == "kennyp, sourcegraph/handbook"
    assert sorted(str(t) for t in index_of(reference_text(), ("kennyp",))) == [
        "kennyp/asdf-golang#79"
    ]


def test_comment_for_one_entry() -> None:
    body = render_backlink_comment(SOURCE, index_of(reference_text())[ISSUE_43282])

    assert body == "\n".join(
        [
            f"<!-- chronolog:backlink {REPO}:{PATH} -->",
            f"This is mentioned in 1 entry of the log [{PATH}]({BLOB}/main/{PATH}) in {REPO}:",
            "",
            f"- [2022-10-21]({BLOB}/main/{PATH}#2022-10-21) "
            f"([lines 116-118 at da94ffd]({BLOB}/{SHA}/{PATH}?plain=1#L116-L118)): "
            "`@jhchabran @burmudar See https://github.com/sourcegraph/sourcegraph/issues/43282`",
            "",
            FOOTER,
        ]
    )


def test_entries_newest_first_whatever_the_log_order() -> None:
    text = (
        "# Log\n\n## 2024-01-01\n\n@a first https://github.com/o/r/issues/1\n\n"
        "## Undated\n\n@b #1 again\n\n"
        "## 2024-03-01 (occurred 2024-02-28)\n\n@c o/r#1\n"
    )
    log = parse_log(text)
    links = backlink_index(
        log, find_references(log, host="github.com", repo="o/r"), backlink_scope("o/r")
    )[Reference("o", "r", 1)]
    source = LogSource("github.com", "o/r", "log.md", "main", SHA)
    body = render_backlink_comment(source, links)

    assert [(link.heading, link.anchor, link.start_line, link.end_line) for link in links] == [
        ("2024-03-01 (occurred 2024-02-28)", "2024-03-01-occurred-2024-02-28", 11, 13),
        ("2024-01-01", "2024-01-01", 3, 5),
        ("Undated", "undated", 7, 9),
    ]
    assert body.splitlines()[1:6] == [
        "This is mentioned in 3 entries of the log "
        "[log.md](https://github.com/o/r/blob/main/log.md) in o/r:",
        "",
        "- [2024-03-01 \\(occurred 2024-02-28\\)]"
        "(https://github.com/o/r/blob/main/log.md#2024-03-01-occurred-2024-02-28) "
        f"([lines 11-13 at da94ffd](https://github.com/o/r/blob/{SHA}/log.md?plain=1#L11-L13)): "
        "`@c o/r#1`",
        "- [2024-01-01](https://github.com/o/r/blob/main/log.md#2024-01-01) "
        f"([lines 3-5 at da94ffd](https://github.com/o/r/blob/{SHA}/log.md?plain=1#L3-L5)): "
        "`@a first https://github.com/o/r/issues/1`",
        "- [Undated](https://github.com/o/r/blob/main/log.md#undated) "
        f"([lines 7-9 at da94ffd](https://github.com/o/r/blob/{SHA}/log.md?plain=1#L7-L9)): "
        "`@b #1 again`",
    ]


def test_log_text_cannot_inject_markup_or_ping() -> None:
    text = (
        "## 2024-01-01 <img src=x onerror=alert(1)> [click](https://evil.example) *@admin*\n\n"
        "@admin `` ` `` <script>alert(1)</script> https://github.com/o/r/issues/1 **@team**\n"
    )
    log = parse_log(text)
    links = backlink_index(
        log, find_references(log, host="github.com", repo="o/r"), backlink_scope("o/r")
    )[Reference("o", "r", 1)]
    body = render_backlink_comment(LogSource("github.com", "o/r", "log.md", "main", SHA), links)
    html = MarkdownIt("commonmark").render(body)

    # The only tags are those chronolog writes; the log's text shows up as text.
    assert set(re.findall(r"<(\w+)", html)) == {"p", "a", "ul", "li", "code", "sub"}
    assert ">2024-01-01 click admin</a>" in html
    assert "<code>@admin `` ` `` &lt;script&gt;alert(1)&lt;/script&gt; https:" in html
    assert re.findall(r'href="([^"]+)"', html) == [
        "https://github.com/o/r/blob/main/log.md",
        "https://github.com/o/r/blob/main/log.md#2024-01-01--click-admin",
        f"https://github.com/o/r/blob/{SHA}/log.md?plain=1#L1-L3",
    ]
    # Every @ is inside a code span or link text, where GitHub makes no mention.
    outside = re.sub(r"<code>.*?</code>|<a [^>]*>.*?</a>", "", html)
    assert "@" not in outside


def test_long_excerpts_are_shortened_and_code_spans_hold_any_backticks() -> None:
    assert code_span("a `b` c") == "`` a `b` c ``"
    assert code_span("plain") == "`plain`"
    text = "## 2024-01-01\n\n" + "word " * 40 + "#1\n"
    log = parse_log(text)
    (links,) = backlink_index(
        log, find_references(log, host="github.com", repo="o/r"), backlink_scope("o/r")
    ).values()
    line = render_backlink_comment(SOURCE, links).splitlines()[3]

    assert line.endswith(": `" + ("word " * 24).strip() + "…`")


def test_many_entries_are_capped() -> None:
    text = "".join(f"## 2024-01-{day:02}\n\n#1\n\n" for day in range(31, 0, -1)) * 2
    log = parse_log(text)
    (links,) = backlink_index(
        log, find_references(log, host="github.com", repo="o/r"), backlink_scope("o/r")
    ).values()
    body = render_backlink_comment(SOURCE, links)

    assert len(links) == 62
    assert body.count("\n- [2024-01-") == 50
    assert f"- and 12 older entries, see [the log]({BLOB}/main/{PATH})" in body


# Pushes: what changed between the log before and after.

NEW_ENTRY = (
    "## 2022-11-26\n\n@newcomer followed up on https://github.com/sourcegraph/sourcegraph/issues/"
    "43282 and https://github.com/kennyp/asdf-golang/issues/79\n\n"
)


def with_new_entry(text: str) -> str:
    return text.replace("## 2022-11-25\n", NEW_ENTRY + "## 2022-11-25\n", 1)


def test_identical_logs_affect_nothing() -> None:
    assert affected_targets(index_of(reference_text()), index_of(reference_text())) == ()


def test_an_added_entry_affects_only_its_in_scope_targets() -> None:
    old, new = index_of(reference_text()), index_of(with_new_entry(reference_text()))

    # Every other entry moved down four lines, but says the same: its comment stays.
    assert affected_targets(old, new) == (ISSUE_43282,)
    assert [link.heading for link in new[ISSUE_43282]] == ["2022-11-26", "2022-10-21"]


def test_an_edited_entry_affects_its_targets() -> None:
    text = reference_text()
    edited = text.replace("pretty important to fix quickly", "important to fix quickly", 1)

    assert affected_targets(index_of(text), index_of(edited)) == (
        Reference("sourcegraph", "sourcegraph", 44795),
        Reference("sourcegraph", "sourcegraph", 44816),
    )


def test_a_removed_reference_affects_its_target() -> None:
    text = reference_text()
    removed = text.replace(" See https://github.com/sourcegraph/sourcegraph/issues/43282", "", 1)
    old, new = index_of(text), index_of(removed)

    assert affected_targets(old, new) == (ISSUE_43282,)
    assert ISSUE_43282 not in new


def test_a_shifted_anchor_affects_the_shifted_entry() -> None:
    # A new bare `## 2022-10-21` above the old one renames the old one's anchor to -1.
    text = reference_text()
    shifted = text.replace(
        "## 2022-10-21 (occurred", "## 2022-10-21\n\n@x nothing linked\n\n## 2022-10-21 (occurred"
    )
    new = index_of(shifted)

    assert affected_targets(index_of(text), new) == (ISSUE_43282,)
    assert new[ISSUE_43282][0].anchor == "2022-10-21-1"


# Plans: what to do on one target.

OTHER_LOG_COMMENT = ExistingComment(5, backlink_marker(REPO, "2022/devops/log.snb.md") + "\nx")


def test_plan_creates_then_leaves_unchanged() -> None:
    links = index_of(reference_text())[ISSUE_43282]
    body = render_backlink_comment(SOURCE, links)

    assert plan_comment(SOURCE, ISSUE_43282, links, [OTHER_LOG_COMMENT]) == (
        PlannedComment(ISSUE_43282, Action.CREATE, body=body),
    )
    same = ExistingComment(7, body.replace("\n", "\r\n") + "\r\n")
    assert plan_comment(SOURCE, ISSUE_43282, links, [OTHER_LOG_COMMENT, same]) == (
        PlannedComment(ISSUE_43282, Action.UNCHANGED, comment_id=7),
    )


def test_plan_updates_and_removes_duplicates() -> None:
    links = index_of(with_new_entry(reference_text()))[ISSUE_43282]
    old_body = render_backlink_comment(SOURCE, index_of(reference_text())[ISSUE_43282])
    new_body = render_backlink_comment(SOURCE, links)
    existing = [ExistingComment(7, old_body), ExistingComment(9, old_body)]

    assert plan_comment(SOURCE, ISSUE_43282, links, existing) == (
        PlannedComment(ISSUE_43282, Action.UPDATE, body=new_body, comment_id=7),
        PlannedComment(ISSUE_43282, Action.DELETE, comment_id=9),
    )


def test_plan_deletes_when_no_entry_is_left() -> None:
    existing = [ExistingComment(7, SOURCE.marker + "\nold"), OTHER_LOG_COMMENT]

    assert plan_comment(SOURCE, ISSUE_43282, (), existing) == (
        PlannedComment(ISSUE_43282, Action.DELETE, comment_id=7),
    )
    assert plan_comment(SOURCE, ISSUE_43282, (), [OTHER_LOG_COMMENT]) == (
        PlannedComment(ISSUE_43282, Action.UNCHANGED),
    )


def test_plan_backlinks_for_a_push() -> None:
    old, new = index_of(reference_text()), index_of(with_new_entry(reference_text()))
    old_body = render_backlink_comment(SOURCE, old[ISSUE_43282])

    plan = plan_backlinks(SOURCE, old, new, {ISSUE_43282: [ExistingComment(7, old_body)]})

    assert plan == (
        PlannedComment(
            ISSUE_43282,
            Action.UPDATE,
            body=render_backlink_comment(SOURCE, new[ISSUE_43282]),
            comment_id=7,
        ),
    )
    # The same push delivered again, now that the comment is up to date: nothing to do.
    updated = {ISSUE_43282: [ExistingComment(7, plan[0].body or "")]}
    assert [step.action for step in plan_backlinks(SOURCE, old, new, updated)] == [Action.UNCHANGED]


def test_preview_section() -> None:
    items = [
        PreviewItem(Reference("sourcegraph", "sourcegraph", 43282, "issue"), Status.LINK),
        PreviewItem(Reference("sourcegraph", "infrastructure", 4097, "pull"), Status.LOCKED),
        PreviewItem(Reference("kennyp", "asdf-golang", 79, "issue"), Status.OUT_OF_SCOPE),
    ]

    assert render_preview("github.com", PATH, items, backlink_scope(REPO)) == "\n".join(
        [
            f"### Backlinks from `{PATH}`",
            "",
            "On merge, chronolog will link back from:",
            "- [sourcegraph/sourcegraph#43282]"
            "(https://github.com/sourcegraph/sourcegraph/issues/43282): will be linked",
            "- [sourcegraph/infrastructure#4097]"
            "(https://github.com/sourcegraph/infrastructure/pull/4097): "
            "not linked: the conversation is locked",
            "- [kennyp/asdf-golang#79](https://github.com/kennyp/asdf-golang/issues/79): "
            "not linked: outside the backlink scope (sourcegraph)",
        ]
    )
    assert render_preview("github.com", PATH, [], backlink_scope(REPO)) is None
