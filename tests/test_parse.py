"""parse_log: CommonMark block structure, 1-based lines, entries."""

from __future__ import annotations

import datetime as dt

import pytest

from chronolog.parse import LogDecodeError, decode_log, parse_log
from tests.conftest import LOGS


def test_reference_log_entries() -> None:
    log = parse_log((LOGS / "devx-support-log-2022.md").read_text(encoding="utf-8"))
    assert log.preamble_end == 4
    first, *_, last = log.entries
    assert (first.start_line, first.end_line, first.first_line) == (5, 29, 7)
    assert first.date == dt.date(2022, 11, 25)
    assert (last.heading.text, last.start_line, last.end_line) == (
        "2022-03-21",
        834,
        len(log.lines),
    )
    noted = next(e for e in log.entries if e.note)
    assert (noted.start_line, noted.date, noted.note) == (
        85,
        dt.date(2022, 10, 21),
        "(occurred 2022-10-19)",
    )
    # `#6 2.325 ...` and `# edited the APKBUILD` lines are inside fenced code: not headings.
    assert {h.line for h in log.headings if h.level == 1} == {1}
    assert 438 in log.code_lines
    # H3/H4 sub-headings belong to their entry.
    assert [h.line for h in log.headings if h.level == 4] == [142, 148, 152, 177]


def test_commonmark_block_rules() -> None:
    text = "\n".join(
        [
            "# Log",  # 1
            "",
            "```",  # 3
            "## 2022-01-01 in a fence",
            "```",
            "",
            "    ## 2022-01-02 indented code",  # 7
            "",
            "<div>",  # 9
            "## 2022-01-03 in an HTML block",
            "</div>",
            "",
            "2022-01-04",  # 13: setext H2
            "---",
            "",
            "text",
        ]
    )
    log = parse_log(text)
    assert [(e.heading.line, e.heading.end_line, e.heading.setext) for e in log.entries] == [
        (13, 14, True)
    ]
    assert log.code_lines >= {3, 4, 5, 7, 9, 10, 11}
    assert log.entries[0].first_line == 16


def test_crlf_bom_and_missing_final_newline() -> None:
    log = parse_log("\ufeff# Log\r\n\r\n## 2022-11-25\r\n\r\n@alice")
    assert (log.bom, log.newline, log.final_newline) == (True, "\r\n", False)
    assert log.lines == ("# Log", "", "## 2022-11-25", "", "@alice")
    assert log.entries[0].start_line == 3
    assert log.render() == "\ufeff# Log\r\n\r\n## 2022-11-25\r\n\r\n@alice"


@pytest.mark.parametrize("text", ["", "\n", "\ufeff", "\r", "## ", "##\n---\n", "\x00", "- ## \n"])
def test_degenerate_text_parses(text: str) -> None:
    log = parse_log(text)
    assert log.render().replace("\r", "\n") == text.replace("\r", "\n")


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("", ""),
        ("\n", ""),
        ("a\nb", "a\nb"),
        ("a\nb\n", "a\nb"),
        ("\ufeffa\r\nb\r\n", "a\nb"),
        ("a\rb\r\n\nc", "a\nb\n\nc"),
        ("---\ntitle: x\n---\n## 2022-11-25\n", "---\ntitle: x\n---\n## 2022-11-25"),
    ],
)
def test_the_text_of_a_log_is_its_lines_joined_with_newlines(text: str, joined: str) -> None:
    # parse_log hands over the string it split instead of joining the lines again.
    log = parse_log(text)
    assert log.text == joined == "\n".join(log.lines)


def test_non_utf8_names_file_and_offset() -> None:
    with pytest.raises(LogDecodeError) as raised:
        decode_log(b"# Log\n\n## 2022-11-25\n\ncaf\xe9\n", "docs/log.md")
    assert str(raised.value) == (
        "docs/log.md: not UTF-8 (byte 0xe9 at offset 25); save the file as UTF-8 and run again"
    )


def test_the_dominant_line_ending_wins() -> None:
    assert parse_log("a\r\nb\nc\nd\n").newline == "\n"  # one stray CRLF
    assert parse_log("a\r\nb\r\nc\n").newline == "\r\n"


def test_entries_know_their_participants_and_why_a_date_is_missing() -> None:
    log = parse_log(
        "# Log\n\n## 2022-11-25\n@jhchabran / @burmudar quick recap\n\n"
        "## 2022-13-01\n\n```\n@not-a-participant\n```\n\n## Notes\n\nKalan: hi\n"
    )
    assert [(e.date, e.participants, e.date_problem) for e in log.entries] == [
        (dt.date(2022, 11, 25), ("@jhchabran", "@burmudar"), None),
        (None, (), "`2022-13-01` is not a real calendar date (month must be in 1..12)"),
        (None, (), "does not start with a `YYYY-MM-DD` date and a space"),
    ]
