"""`chronolog report` as a user runs it: exact output of every format, the handover."""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from chronolog.cli import main
from chronolog.issue_state import look_up_states
from chronolog.references import Reference
from tests.conftest import LOGS

REFERENCE = str(LOGS / "devx-support-log-2022.md")

LOG = """\
# Log

## 2024-03-04

@alice and @bob paired on the outage, see #12. $DURATION=1.5h

## 2024-03-02

@bob sorted o/r2#3. DURATTION=20m

## 2024-02-27

@alice no time written down; see #12.
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    Path("log.md").write_text(LOG, encoding="utf-8")
    return "log.md"


def test_text_report(capsys: pytest.CaptureFixture[str], log: str) -> None:
    code, out, err = run(capsys, log, "--repo", "o/r")
    assert (code, err) == (0, "")
    assert out == (
        "3 entries from 2024-02-27 to 2024-03-04 in 1 log: 1h 50m of support time; "
        "1 of 3 entries have no duration tag.\n"
        "\n"
        "month    entries  minutes  time    without duration\n"
        "2024-02        1        0  0m                     1\n"
        "2024-03        2      110  1h 50m                 0\n"
        "-------  -------  -------  ------  ----------------\n"
        "total          3      110  1h 50m                 1\n"
        "\n"
        "person  entries  minutes  time\n"
        "@bob          2      110  1h 50m\n"
        "@alice        2       90  1h 30m\n"
        "An entry's duration counts in full for each of its participants, so the time per "
        "person adds up to more than the total when entries name several people.\n"
        "\n"
        "repository  entries\n"
        "o/r               2\n"
        "o/r2              1\n"
        "\n"
        "issue or pull request  entries\n"
        "o/r#12                       2\n"
        "o/r2#3                       1\n"
    )


def test_json_by_period_of_the_reference_log(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, REFERENCE, "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert report["total_minutes"] == 1435
    assert (report["entries"], report["entries_without_duration"]) == (57, 36)
    may = next(period for period in report["by_period"] if period["period"] == "2022-05")
    # See tests/test_stats.py: the eight May entries, lines 537-632, counted by hand.
    assert may == {
        "period": "2022-05",
        "entries": 8,
        "minutes": 385,
        "entries_without_duration": 2,
        "by_person": {"@bobheadxi": 90, "@jhchabran": 295},
    }
    assert report["by_person"] == {
        "@bobheadxi": 870,
        "@jhchabran": 565,
        "@burmudar": 0,
        "@davejrt": 0,
        "@sanderginn": 0,
        "@marekweb": 0,
        "@william": 0,
    }
    assert report["repositories"][0] == {"repository": "sourcegraph/sourcegraph", "entries": 30}


def test_weeks_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys,
        REFERENCE,
        "--format",
        "json",
        "--by",
        "week",
        "--since",
        "2022-05-02",
        "--until",
        "2022-05-08",
    )
    assert json.loads(out)["by_period"] == [
        {
            "period": "2022-W18",
            "entries": 2,
            "minutes": 110,
            "entries_without_duration": 0,
            "by_person": {"@bobheadxi": 90, "@jhchabran": 20},
        }
    ]


def test_csv_of_the_reference_log(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, REFERENCE, "--format", "csv")
    assert code == 0
    assert out == (
        "month,entries,minutes,entries_without_duration,"
        "@bobheadxi,@jhchabran,@burmudar,@davejrt,@sanderginn,@marekweb,@william\n"
        "2022-03,7,5,6,0,5,0,0,0,0,0\n"
        "2022-04,11,615,2,420,195,0,0,0,0,0\n"
        "2022-05,8,385,2,90,295,0,0,0,0,0\n"
        "2022-06,12,430,7,360,70,0,0,0,0,0\n"
        "2022-07,4,0,4,0,0,0,0,0,0,0\n"
        "2022-08,1,0,1,0,0,0,0,0,0,0\n"
        "2022-09,3,0,3,0,0,0,0,0,0,0\n"
        "2022-10,8,0,8,0,0,0,0,0,0,0\n"
        "2022-11,3,0,3,0,0,0,0,0,0,0\n"
        "total,57,1435,36,870,565,0,0,0,0,0\n"
    )


MARKDOWN = """\
# Support log report

20 entries from 2022-05-02 to 2022-06-30 in 1 log: 13h 35m of support time; 9 of 20 \
entries have no duration tag.

## Support time per month

| month | entries | minutes | time | without duration |
|---|--:|--:|---|--:|
| 2022-05 | 8 | 385 | 6h 25m | 2 |
| 2022-06 | 12 | 430 | 7h 10m | 7 |
| **total** | **20** | **815** | **13h 35m** | **9** |

```mermaid
xychart-beta
    title "Support time per month (hours)"
    x-axis ["2022-05", "2022-06"]
    y-axis "hours"
    bar [6.42, 7.17]
```

## Support time per person

An entry's duration counts in full for each of its participants, so the time per person \
adds up to more than the total when entries name several people.

| person | entries | minutes | time |
|---|--:|--:|---|
| `@bobheadxi` | 4 | 450 | 7h 30m |
| `@jhchabran` | 16 | 365 | 6h 05m |
| `@william` | 1 | 0 | 0m |

```mermaid
pie title Support time per person (minutes)
    "@bobheadxi" : 450
    "@jhchabran" : 365
```

## Most referenced repositories

| repository | entries |
|---|--:|
| sourcegraph/sourcegraph | 10 |

## Most referenced issues and pull requests

| issue or pull request | entries |
|---|--:|
| `Antiarchitect/asdf-helm#12` | 1 |
"""


def test_markdown_of_the_reference_log(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        REFERENCE,
        "--format",
        "markdown",
        "--since",
        "2022-05-01",
        "--until",
        "2022-06-30",
        "--top",
        "1",
    )
    assert code == 0
    assert out == MARKDOWN


def test_html_is_one_offline_page_with_two_svg_charts(capsys: pytest.CaptureFixture[str]) -> None:
    code, page, _ = run(capsys, REFERENCE, "--format", "html")
    assert code == 0
    assert page.startswith("<!doctype html>\n")
    assert page.count("<svg ") == 2
    assert 'id="chart-periods"' in page
    assert 'id="chart-people"' in page
    assert '<td>2022-05</td><td class="number">8</td><td class="number">385</td>' in page
    # Nothing to fetch: no script, no link, and no URL but the SVG namespace's name.
    assert re.findall(r"https?://[^\s\"'<>]+", page) == ["http://www.w3.org/2000/svg"] * 2
    assert not re.search(r"<script|<link|<img|src=|href=|@import|url\(", page)
    _, again, _ = run(capsys, REFERENCE, "--format", "html")
    assert again == page


def test_html_without_pygal_says_what_to_install(
    capsys: pytest.CaptureFixture[str], log: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pygal", None)
    monkeypatch.delitem(sys.modules, "chronolog.stats_html", raising=False)
    code, out, err = run(capsys, log, "--format", "html")
    assert (code, out) == (2, "")
    assert err.startswith("chronolog: the HTML report draws its charts with pygal")
    assert err.endswith("install it: pip install 'chronolog[report]'\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--since", "2024-03-05", "--until", "2024-03-01"],
            "--since 2024-03-05 is after --until 2024-03-01",
        ),
        (
            ["--format", "csv", "--handover"],
            "--handover has no CSV form; use --format text, json, markdown or html",
        ),
        (["--repo", "nope"], "--repo 'nope' is not OWNER/REPO"),
    ],
)
def test_usage_errors(
    capsys: pytest.CaptureFixture[str], log: str, args: list[str], message: str
) -> None:
    assert run(capsys, log, *args) == (2, "", f"chronolog: {message}\n")


def test_unreadable_log(capsys: pytest.CaptureFixture[str], log: str) -> None:
    Path("bad.md").write_bytes(b"## 2024-01-01\n\xff\n")
    code, _, err = run(capsys, log, "bad.md")
    assert code == 2
    assert err == (
        "chronolog: bad.md: not UTF-8 (byte 0xff at offset 14); save the file as UTF-8 "
        "and run again\n"
    )


def test_handover_without_a_token_lists_all_and_says_so(
    capsys: pytest.CaptureFixture[str], log: str
) -> None:
    _, out, _ = run(capsys, log, "--repo", "o/r", "--handover", "--until", "2024-03-04")
    assert out.endswith(
        "Handover: 2 issues and pull requests referenced from 2024-02-20 to 2024-03-04; "
        "their state was not checked (set GITHUB_TOKEN to list only the open ones):\n"
        "reference  date        entry      summary\n"
        "o/r#12     2024-03-04  log.md:3   paired on the outage, see #12. $DURATION=1.5h\n"
        "           2024-02-27  log.md:11  no time written down; see #12.\n"
        "o/r2#3     2024-03-02  log.md:7   sorted o/r2#3. DURATTION=20m\n"
    )


class _FakeIssues(BaseHTTPRequestHandler):
    """GitHub's `GET /repos/{owner}/{repo}/issues/{number}`: #12 closed, the rest open."""

    seen: list[tuple[str, str | None]] = []  # noqa: RUF012 (one test server at a time)

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        status = {"/issues/99": 404, "/issues/500": 502}.get(self.path[self.path.rfind("/i") :])
        state = "closed" if self.path.endswith("/issues/12") else "open"
        body = json.dumps({"state": state}).encode()
        self.send_response(status or 200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_api() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _FakeIssues)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeIssues.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v3"
    server.shutdown()
    server.server_close()


def test_handover_with_a_token_lists_only_open_ones(
    capsys: pytest.CaptureFixture[str], log: str, fake_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    monkeypatch.setenv("GITHUB_API_URL", fake_api)
    _, out, _ = run(
        capsys,
        log,
        "--repo",
        "o/r",
        "--handover",
        "--handover-days",
        "3",
        "--until",
        "2024-03-04",
        "--format",
        "json",
    )
    handover = json.loads(out)["handover"]
    assert _FakeIssues.seen == [
        ("/api/v3/repos/o/r/issues/12", "Bearer t0ken"),
        ("/api/v3/repos/o/r2/issues/3", "Bearer t0ken"),
    ]
    assert handover == {
        "since": "2024-03-02",
        "until": "2024-03-04",
        "days": 3,
        "checked": True,
        "problem": None,
        "items": [
            {
                "reference": "o/r2#3",
                "state": "open",
                "mentions": [
                    {
                        "path": "log.md",
                        "line": 7,
                        "date": "2024-03-02",
                        "summary": "sorted o/r2#3. DURATTION=20m",
                    }
                ],
            }
        ],
    }


def test_handover_when_github_cannot_be_reached(
    capsys: pytest.CaptureFixture[str], log: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")  # discard: nothing listens
    _, out, _ = run(capsys, log, "--repo", "o/r", "--handover", "--until", "2024-03-04")
    heading = next(line for line in out.splitlines() if line.startswith("Handover"))
    assert heading.startswith(
        "Handover: 2 issues and pull requests referenced from 2024-02-20 to 2024-03-04; "
        "some states unknown (could not ask http://127.0.0.1:9 about o/r#12: "
    )
    assert "o/r#12 (state unknown)" in out


def test_look_up_states_stops_at_the_first_failure(fake_api: str) -> None:
    references = [Reference("o", "r", n) for n in (12, 99, 3, 500, 4)]
    lookup = look_up_states(references, token="t", api_url=fake_api + "/")
    assert lookup.states == {
        Reference("o", "r", 12): "closed",
        Reference("o", "r", 99): "missing",
        Reference("o", "r", 3): "open",
    }
    assert lookup.problem == "GitHub answered 502 for o/r#500: Bad Gateway"
    assert len(_FakeIssues.seen) == 4


def test_markdown_handover_pings_nobody(capsys: pytest.CaptureFixture[str], log: str) -> None:
    _, out, _ = run(
        capsys,
        log,
        "--repo",
        "o/r",
        "--format",
        "markdown",
        "--handover",
        "--until",
        "2024-03-04",
    )
    assert out.endswith(
        "## Handover\n"
        "\n"
        "Handover: 2 issues and pull requests referenced from 2024-02-20 to 2024-03-04; "
        "their state was not checked (set GITHUB_TOKEN to list only the open ones):\n"
        "\n"
        "| reference | date | entry | summary |\n"
        "|---|---|---|---|\n"
        "| `o/r#12` | 2024-03-04 | log.md:3 | `paired on the outage, see #12. $DURATION=1.5h` |\n"
        "|  | 2024-02-27 | log.md:11 | `no time written down; see #12.` |\n"
        "| `o/r2#3` | 2024-03-02 | log.md:7 | `sorted o/r2#3. DURATTION=20m` |\n"
    )
