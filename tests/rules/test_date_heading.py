"""`date-heading`: every H2 heading is `YYYY-MM-DD`, optionally followed by a note."""

from __future__ import annotations

import pytest

from tests.helpers import findings, fixed

RULE = "date-heading"


def log(*headings: str) -> str:
    return "# Log\n\n" + "".join(f"{h}\n\n@alice did things\n\n" for h in headings)


def test_iso_dates_with_and_without_notes_pass() -> None:
    text = log("## 2022-11-25", "## 2022-10-21 (occurred 2022-10-19)", "## 2022-10-21 Topic")
    assert findings(text, RULE) == []


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("25/11/2022", "2022-11-25"),
        ("2022/11/23", "2022-11-23"),
        ("2022.11.23", "2022-11-23"),
        ("Nov 24, 2022", "2022-11-24"),
        ("24 November 2022", "2022-11-24"),
        ("2022-11-5", "2022-11-05"),
        ("20221125", "2022-11-25"),
    ],
)
def test_unambiguous_spellings_are_fixed_safely(written: str, iso: str) -> None:
    text = log(f"## {written} Deploy")
    assert findings(text, RULE) == [
        (3, f"`## {written} Deploy` is not an ISO 8601 date; did you mean `## {iso} Deploy`?")
    ]
    assert fixed(text, RULE) == log(f"## {iso} Deploy")


def test_two_digit_year_is_an_unsafe_fix() -> None:
    text = log("## 22-06-29 GCP Cost Reduction")
    assert fixed(text, RULE) == text
    assert fixed(text, RULE, unsafe=True) == log("## 2022-06-29 GCP Cost Reduction")


def test_ambiguous_date_resolved_by_neighbours() -> None:
    # 11/05/2022 is 2022-11-05 or 2022-05-11; only May 11 fits between May 12 and May 4.
    text = log("## 2022-05-12", "## 11/05/2022", "## 2022-05-04")
    assert findings(text, RULE) == [
        (
            7,
            "`## 11/05/2022` is not an ISO 8601 date; did you mean `## 2022-05-11`? "
            "(read day first: the only reading that keeps the entries in order)",
        )
    ]
    assert fixed(text, RULE) == text  # a guess: unsafe
    assert fixed(text, RULE, unsafe=True) == log("## 2022-05-12", "## 2022-05-11", "## 2022-05-04")


@pytest.mark.parametrize(
    "headings",
    [
        ("## 11/05/2022",),  # no neighbours: nothing to decide with
        ("## 2022-12-01", "## 11/05/2022", "## 2022-01-01"),  # both fit
        ("## 2022-12-01", "## 11/05/2022", "## 2022-11-30"),  # neither fits
    ],
)
def test_ambiguous_date_without_a_single_fit_names_both_readings(headings: tuple[str]) -> None:
    text = log(*headings)
    line = 3 + 4 * headings.index("## 11/05/2022")
    assert findings(text, RULE) == [
        (
            line,
            "`11/05/2022` is ambiguous: `2022-11-05` (month first) or `2022-05-11` (day first); "
            "write the date you mean as `YYYY-MM-DD`",
        )
    ]
    assert fixed(text, RULE, unsafe=True) == text


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("2022-13-01", "month 13 does not exist"),
        ("2022-02-30", "February 2022 has 28 days"),
        ("2024-02-30", "February 2024 has 29 days"),
    ],
)
def test_impossible_dates_are_errors_without_fix(written: str, why: str) -> None:
    text = log(f"## {written}")
    assert findings(text, RULE) == [
        (3, f"`{written}` is not a real calendar date ({why}); correct the date")
    ]
    assert fixed(text, RULE, unsafe=True) == text


def test_heading_without_a_date() -> None:
    assert findings(log("## Notes"), RULE) == [
        (
            3,
            "`## Notes` does not start with a date; start every H2 heading with an ISO 8601 "
            "date, as in `## 2022-11-25` or `## 2022-11-25 Topic`",
        )
    ]


def test_hash_lines_in_code_and_setext_headings_follow_commonmark() -> None:
    text = (
        "# Log\n\n## 2022-11-25\n\n@alice\n\n```sh\n## not a heading\n```\n\n"
        "    ## indented code\n\nNov 24, 2022\n---\n\n@bob\n"
    )
    # Only the setext H2 (a paragraph line followed by ---) is a heading.
    assert findings(text, RULE) == [
        (13, "`## Nov 24, 2022` is not an ISO 8601 date; did you mean `## 2022-11-24`?")
    ]
    assert fixed(text, RULE).splitlines()[12:14] == ["2022-11-24", "---"]


def test_crlf_and_bom_are_kept_when_fixing() -> None:
    text = "\ufeff# Log\r\n\r\n## 25/11/2022\r\n\r\n@alice\r\n"
    assert findings(text, RULE)[0][0] == 3
    assert fixed(text, RULE) == "\ufeff# Log\r\n\r\n## 2022-11-25\r\n\r\n@alice\r\n"


@pytest.mark.parametrize(
    ("heading", "meant"),
    [
        ("## 2022-11-26: deploy", "## 2022-11-26 deploy"),
        ("## 2022-11-25, Friday", "## 2022-11-25 Friday"),
        ("## 2022-11-24T10:00 incident", "## 2022-11-24 10:00 incident"),
    ],
)
def test_iso_date_glued_to_its_note_gets_a_space(heading: str, meant: str) -> None:
    text = log(heading)
    assert findings(text, RULE) == [
        (
            3,
            f"`{heading}` needs a space between the date and the note; did you mean `{meant}`?",
        )
    ]
    assert fixed(text, RULE) == log(meant)


def test_only_ascii_digits_make_a_date() -> None:
    # Arabic-Indic digits look like a date to `\d`, but no tool reading the log agrees.
    arabic = "\u0662\u0660\u0662\u0662-\u0661\u0661-\u0662\u0663"  # 2022-11-23
    [(line, message)] = findings(log(f"## {arabic}"), RULE)
    assert (line, message.split(";")[0]) == (3, f"`## {arabic}` does not start with a date")


def test_heading_text_with_backticks_is_quoted_safely() -> None:
    [(_, message)] = findings(log("## `release` day"), RULE)
    assert message.startswith("`` ## `release` day `` does not start with a date")


def test_a_huge_heading_is_quoted_short() -> None:
    [(_, message)] = findings(log("## 25/11/2022 " + "y" * 70_000), RULE)
    assert message == (
        "`## 25/11/2022 " + "y" * 66 + "…` is not an ISO 8601 date; did you mean "
        "`## 2022-11-25 " + "y" * 66 + "…`?"
    )


def resolved(written: str, iso: str, order: str) -> str:
    return (
        f"`## {written}` is not an ISO 8601 date; did you mean `## {iso}`? "
        f"(read {order}: the only reading that keeps the entries in order)"
    )


def test_the_neighbours_of_an_ambiguous_date_are_the_nearest_dated_entries() -> None:
    # Undated entries (ambiguous, impossible or dateless) are skipped: each ambiguous date
    # is read against the nearest entries that have a date, above and below.
    text = log(
        "## 2022-05-20",
        "## 11/05/2022",
        "## 2022-02-30",
        "## 10/05/2022",
        "## 2022-05-08",
        "## Notes",
        "## 07/05/2022",
        "## 2022-05-01",
    )
    assert [(line, message.split(";")[0]) for line, message in findings(text, RULE)] == [
        (7, "`## 11/05/2022` is not an ISO 8601 date"),
        (11, "`2022-02-30` is not a real calendar date (February 2022 has 28 days)"),
        (15, "`## 10/05/2022` is not an ISO 8601 date"),
        (23, "`## Notes` does not start with a date"),
        (27, "`## 07/05/2022` is not an ISO 8601 date"),
    ]
    assert fixed(text, RULE, unsafe=True) == log(
        "## 2022-05-20",
        "## 2022-05-11",
        "## 2022-02-30",
        "## 2022-05-10",
        "## 2022-05-08",
        "## Notes",
        "## 2022-05-07",
        "## 2022-05-01",
    )


@pytest.mark.parametrize(
    ("headings", "line", "iso", "order"),
    [
        # Only a dated entry below: November 5 is after June 1, May 11 is not.
        (("## 11/05/2022", "## 2022-06-01"), 3, "2022-11-05", "month first"),
        # Only a dated entry above, past an undated one: May 11 is before June 1.
        (("## 2022-06-01", "## Notes", "## 11/05/2022"), 11, "2022-05-11", "day first"),
    ],
)
def test_an_ambiguous_date_at_either_end_is_read_against_its_one_neighbour(
    headings: tuple[str, ...], line: int, iso: str, order: str
) -> None:
    found = findings(log(*headings), RULE)
    assert (line, resolved("11/05/2022", iso, order)) in found


def test_thousands_of_ambiguous_dates_in_a_row_are_each_read_against_the_same_neighbours() -> None:
    count = 8_000
    text = log("## 2022-05-12", *["## 11/05/2022"] * count, "## 2022-05-04")
    expected = resolved("11/05/2022", "2022-05-11", "day first")
    assert findings(text, RULE) == [(7 + 4 * n, expected) for n in range(count)]
