"""Render the reference scenario's check run as GitHub's check run page shows it, and
screenshot it with headless Chromium (docs/check-run.png, shown in docs/check-run.md).

Not a test: run it from the repository root after changing what the check run says,
look at the PNG, and commit it:

    npm install --prefix docs/screenshots      # github-markdown-css, into node_modules/
    PYTHONPATH=src:. python docs/screenshots/render_check_run.py

The summary and the details are rendered with cmark-gfm (GitHub's Markdown parser, with
GitHub's extensions) and styled with github-markdown-css; the page around them (name,
conclusion, buttons, annotations) is a plain imitation of GitHub's layout.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from cmarkgfm import cmark

from tests.gfm import GFM_EXTENSIONS
from tests.reference_pull import LOG_PATH, reference_output

HERE = Path(__file__).resolve().parent
CSS = HERE / "node_modules" / "github-markdown-css" / "github-markdown-light.css"
OUT_HTML = HERE / "check-run.html"
OUT_PNG = HERE.parent / "check-run.png"
ICONS = {"failure": ("✕", "#d1242f"), "warning": ("!", "#9a6700"), "notice": ("i", "#0969da")}

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>chronolog check run</title>
<style>{css}</style>
<style>
body {{ margin: 0; background: #f6f8fa; font-family: -apple-system, "Segoe UI", Helvetica,
  Arial, sans-serif; color: #1f2328; }}
.page {{ max-width: 1012px; margin: 24px auto; background: #fff; border: 1px solid #d1d9e0;
  border-radius: 6px; }}
.head {{ display: flex; align-items: center; gap: 12px; padding: 16px 24px;
  border-bottom: 1px solid #d1d9e0; }}
.head .name {{ font-size: 20px; font-weight: 600; }}
.head .conclusion {{ color: #d1242f; font-size: 14px; }}
.head .buttons {{ margin-left: auto; display: flex; gap: 8px; }}
.head button {{ font: inherit; font-size: 14px; font-weight: 500;
  padding: 5px 16px; border: 1px solid #d1d9e0; border-radius: 6px; background: #f6f8fa; }}
.section {{ padding: 16px 24px; border-bottom: 1px solid #d1d9e0; }}
.section:last-child {{ border-bottom: 0; }}
.section > h2.title {{ margin: 0 0 12px; font-size: 20px; }}
.label {{ font-size: 12px; color: #59636e; text-transform: uppercase; letter-spacing: .04em;
  margin-bottom: 8px; }}
.annotation {{ border: 1px solid #d1d9e0; border-radius: 6px; margin: 8px 0; padding: 8px 12px;
  font-size: 14px; }}
.annotation .where {{ font-weight: 600; }}
.annotation .icon {{ display: inline-block; width: 16px; text-align: center; font-weight: 700; }}
.annotation .details {{ color: #59636e; margin-top: 4px; font-size: 13px; }}
</style></head>
<body><div class="page">
<div class="head"><span class="icon" style="color:#d1242f;font-size:20px">✕</span>
<span class="name">chronolog</span><span class="conclusion">{conclusion}</span>
<span class="buttons">{buttons}</span></div>
<div class="section"><h2 class="title">{title}</h2>
<article class="markdown-body">{summary}</article></div>
<div class="section"><div class="label">Annotations</div>
<div>{annotation_count}</div>{annotations}</div>
<div class="section"><article class="markdown-body">{text}</article></div>
</div></body></html>
"""


def markdown(text: str) -> str:
    """GitHub's rendering, with GitHub's `user-content-` heading ids (so `#anchor` links work)."""
    rendered = cmark.markdown_to_html_with_extensions(text, extensions=GFM_EXTENSIONS)
    return re.sub(
        r"<h([1-6])>(.*?)</h\1>",
        lambda m: f'<h{m[1]} id="{_anchor(m[2])}">{m[2]}</h{m[1]}>',
        rendered,
    )


def _anchor(heading_html: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", heading_html)).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def annotation_html(annotation: dict[str, Any]) -> str:
    icon, colour = ICONS[annotation["annotation_level"]]
    level = {"failure": "Check failure", "warning": "Check warning", "notice": "Check notice"}
    where = f"{level[annotation['annotation_level']]} on line {annotation['start_line']}"
    details = annotation.get("raw_details")
    return (
        '<div class="annotation">'
        f'<span class="icon" style="color:{colour}">{icon}</span> '
        f'<span class="where">{where}</span> in <code>{html.escape(annotation["path"])}</code>'
        f"<div><b>{html.escape(annotation['title'])}</b></div>"
        f"<div>{html.escape(annotation['message'])}</div>"
        + (f'<div class="details">{html.escape(details)}</div>' if details else "")
        + "</div>"
    )


def main() -> int:
    if not CSS.exists():
        print(f"missing {CSS}: run `npm install --prefix {HERE}` first", file=sys.stderr)
        return 2
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    output = reference_output()
    failures = sum(a["annotation_level"] == "failure" for a in output.annotations)
    warnings = sum(a["annotation_level"] == "warning" for a in output.annotations)
    page = PAGE.format(
        css=CSS.read_text(encoding="utf-8"),
        conclusion=f"{output.conclusion} · {html.escape(LOG_PATH)}",
        buttons="".join(
            f'<button title="{html.escape(a["description"])}">{html.escape(a["label"])}</button>'
            for a in output.actions
        ),
        title=html.escape(output.title),
        summary=markdown(output.summary),
        annotation_count=f"{failures} errors and {warnings} warning",
        annotations="".join(annotation_html(a) for a in output.annotations),
        text=markdown(output.text or ""),
    )
    OUT_HTML.write_text(page, encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={OUT_PNG}",
                "--window-size=1100,1900",
                OUT_HTML.as_uri(),
            ],
            check=True,
            timeout=120,
        )
    print(f"wrote {OUT_PNG}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
