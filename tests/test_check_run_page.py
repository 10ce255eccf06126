"""The check run of the reference scenario as GitHub shows it: the exact payload, and its
Markdown rendered by cmark-gfm (GitHub's parser) into the tables and lists intended."""

from __future__ import annotations

import re
from html import unescape

from cmarkgfm import cmark

from chronolog.config import parse_config
from tests.gfm import GFM_EXTENSIONS
from tests.reference_pull import reference_output

MOJIBAKE = (
    "`{bad}` is mojibake for `{good}`: UTF-8 text read in the wrong encoding; "
    "put the original characters back"
)
TAG = "`{tag}` is not a canonical duration tag; write `${canonical}`"
POINT, FIRE = "\N{WHITE RIGHT POINTING BACKHAND INDEX}", "\N{FIRE}"
# The 16 problems the reference log had before the pull request, by line.
EXISTING = [
    *(
        (line, "mojibake", MOJIBAKE.format(bad=POINT.encode().decode("cp1252"), good=POINT))
        for line in range(102, 107)
    ),
    (316, "mojibake", MOJIBAKE.format(bad=FIRE.encode().decode("cp1252"), good=FIRE)),
    *(
        (line, "duration-tag", TAG.format(tag=tag, canonical=tag.lstrip("@").replace("TT", "T")))
        for line, tag in [
            (389, "@DURATION=3h"),
            (421, "@DURATION=45m"),
            (494, "@DURATION=3h"),
            (535, "DURATION=10m"),
            (539, "DURATION=15m"),
            (557, "DURATION=30m"),
            (561, "DURATION=45m"),
            (565, "DURATTION=20m"),
            (571, "DURATION=60m"),
            (577, "DURATION=30m"),
        ]
    ),
]
PARTICIPANTS = (
    "the entry's first line `Restarted the stuck CI agents after the…` does not list "
    "everyone involved; start it with their GitHub handles, like `@jhchabran`"
)


def html(markdown: str) -> str:
    return cmark.markdown_to_html_with_extensions(markdown, extensions=GFM_EXTENSIONS)


def table_rows(rendered: str) -> list[list[str]]:
    """The text of every cell of every table row, header first."""
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell))
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", rendered, re.DOTALL)
    ]


def list_items(rendered: str, after: str) -> list[str]:
    """The text of each item of the first list after the heading `after`."""
    block = rendered.split(f"<h3>{after}</h3>\n", 1)[1].split("<ul>\n", 1)[1].split("</ul>", 1)[0]
    return [unescape(re.sub(r"<[^>]+>", "", item)) for item in re.findall(r"<li>(.*?)</li>", block)]


def test_the_reference_scenario_annotates_only_the_new_entry_and_counts_the_rest() -> None:
    output = reference_output()

    assert (output.conclusion, output.title) == ("failure", "3 problems introduced")
    assert output.summary == (
        "Checked 1 log, `support/log.md`: this pull request introduces 3 problems, 2 of them "
        "errors, so the check fails.\n"
        "\n"
        "Adds 1 entry: 45m of support time.\n"
        "\n"
        "| Rule | New | Existing |\n"
        "| --- | ---: | ---: |\n"
        "| `date-heading` | 1 | 0 |\n"
        "| `participants` | 1 | 0 |\n"
        "| `duration-tag` | 1 | 10 |\n"
        "| `mojibake` | 0 | 6 |\n"
        "\n"
        "**16 problems were already in the log**, on lines this pull request did not change. "
        "They never fail the check and are not annotated; the table counts them by rule and "
        "[the details below](#already-in-the-log) list each one.\n"
        "\n"
        "### Problems introduced\n"
        "\n"
        "- `support/log.md:5` **date-heading** (error): `## 26/11/2022` is not an ISO 8601 "
        "date; did you mean `## 2022-11-26`?\n"
        "- `support/log.md:7` **duration-tag** (warning): `DURATION=45m` is not a canonical "
        "duration tag; write `$DURATION=45m`\n"
        f"- `support/log.md:7` **participants** (error): {PARTICIPANTS}\n"
        "\n"
        "### Fixes\n"
        "\n"
        "The buttons are at the top of this check run.\n"
        "\n"
        "- **Fix my lines** commits 3 safe fixes for the problems on the lines this pull "
        "request added or changed.\n"
        "- **Fix whole log** commits all 19 safe fixes in the log, 16 of them on lines this "
        "pull request did not change.\n"
        "- 2 review suggestions were posted on the changed lines; commit them in one batch "
        "from the **Files changed** tab.\n"
    )
    assert output.text == "### Already in the log\n\n" + "".join(
        f"- `support/log.md:{line}` **{rule}** (warning): {message}\n"
        for line, rule, message in EXISTING
    )
    assert output.annotations == (
        {
            "path": "support/log.md",
            "start_line": 5,
            "end_line": 5,
            "annotation_level": "failure",
            "title": "chronolog date-heading",
            "message": "`## 26/11/2022` is not an ISO 8601 date; did you mean `## 2022-11-26`?",
            "raw_details": "Safe fix: Rewrite the heading as `## 2022-11-26`",
        },
        {
            "path": "support/log.md",
            "start_line": 7,
            "end_line": 7,
            "annotation_level": "warning",
            "title": "chronolog duration-tag",
            "message": "`DURATION=45m` is not a canonical duration tag; write `$DURATION=45m`",
            "start_column": 57,
            "end_column": 69,
            "raw_details": "Safe fix: Write `$DURATION=45m`",
        },
        {
            "path": "support/log.md",
            "start_line": 7,
            "end_line": 7,
            "annotation_level": "failure",
            "title": "chronolog participants",
            "message": PARTICIPANTS,
            "raw_details": "Safe fix: Start the entry with `@jhchabran`",
        },
    )


def test_diff_context_and_file_modes_annotate_more_but_judge_the_same() -> None:
    context = reference_output(parse_config("annotations: diff_context\n"))
    whole = reference_output(parse_config("annotations: file\n"))

    # No old problem sits within 3 lines of the new entry: the hunk's context holds none.
    assert [a["start_line"] for a in context.annotations] == [5, 7, 7]
    assert [a["start_line"] for a in whole.annotations] == [5, 7, 7] + [
        line for line, _, _ in EXISTING
    ]
    assert all(a["message"].startswith("Existing problem: ") for a in whole.annotations[3:])
    assert (context.conclusion, whole.conclusion) == ("failure", "failure")
    assert whole.text == reference_output().text


def test_the_summary_renders_as_a_table_and_lists() -> None:
    rendered = html(reference_output().summary)

    assert rendered.count("<table>") == 1
    assert table_rows(rendered) == [
        ["Rule", "New", "Existing"],
        ["date-heading", "1", "0"],
        ["participants", "1", "0"],
        ["duration-tag", "1", "10"],
        ["mojibake", "0", "6"],
    ]
    assert '<th align="right">New</th>' in rendered  # counts line up on the right
    assert list_items(rendered, "Problems introduced") == [
        "support/log.md:5 date-heading (error): ## 26/11/2022 is not an ISO 8601 date; did you "
        "mean ## 2022-11-26?",
        "support/log.md:7 duration-tag (warning): DURATION=45m is not a canonical duration "
        "tag; write $DURATION=45m",
        "support/log.md:7 participants (error): " + PARTICIPANTS.replace("`", ""),
    ]
    assert [item.split(" commits")[0] for item in list_items(rendered, "Fixes")] == [
        "Fix my lines",
        "Fix whole log",
        "2 review suggestions were posted on the changed lines; commit them in one batch from the "
        "Files changed tab.",
    ]
    assert '<a href="#already-in-the-log">the details below</a>' in rendered
    assert rendered.startswith("<p>Checked 1 log, <code>support/log.md</code>: ")


def test_the_details_render_as_one_list_and_repeat_nothing_from_the_summary() -> None:
    output = reference_output()
    assert output.text is not None
    rendered = html(output.text)

    # GitHub's anchor for this heading is the summary's link target.
    assert rendered.startswith("<h3>Already in the log</h3>\n<ul>\n")
    items = list_items(rendered, "Already in the log")
    assert [item.split()[0] for item in items] == [
        f"support/log.md:{line}" for line, _, _ in EXISTING
    ]

    def places(markdown: str) -> list[str]:
        return re.findall(r"^- `(support/log\.md:\d+)` \*\*([\w-]+)\*\*", markdown, re.MULTILINE)

    in_summary, in_text = places(output.summary), places(output.text)
    assert len(in_summary) == 3
    assert len(in_text) == 16
    assert not set(in_summary) & set(in_text)
