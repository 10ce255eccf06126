"""Publishing a check run: its JSON body, the PATCHes of annotations beyond the first 50,
and whether a run already on the commit says the same."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chronolog.annotations import annotation_batches
from chronolog.app.context import PullRequest
from chronolog.app.github import Installation
from chronolog.check_output import CheckRunOutput


@dataclass(frozen=True)
class CheckResult:
    """What was published: the check run's id and output, and how suggestions went."""

    check_run_id: int | None
    output: CheckRunOutput
    suggestions_posted: int
    reused: bool  # an identical run already existed; nothing was written


def run_body(
    name: str, head_sha: str, output: CheckRunOutput, annotations: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "head_sha": head_sha,
        "status": "completed",
        "conclusion": output.conclusion,
        "output": _output_json(output, annotations),
    }
    if output.actions:
        body["actions"] = [dict(action) for action in output.actions]
    return body


def _output_json(output: CheckRunOutput, annotations: Sequence[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {"title": output.title, "summary": output.summary}
    if output.text:
        result["text"] = output.text
    if annotations:
        result["annotations"] = [dict(annotation) for annotation in annotations]
    return result


async def publish(
    gh: Installation,
    pr: PullRequest,
    name: str,
    output: CheckRunOutput,
    suggestions_posted: int = 0,
) -> CheckResult:
    """Create the completed check run, first 50 annotations included, then PATCH the rest."""
    batches = annotation_batches(list(output.annotations))
    run = await gh.create_check_run(
        pr.repo, run_body(name, pr.head_sha, output, batches[0] if batches else [])
    )
    for batch in batches[1:]:
        await gh.update_check_run(pr.repo, int(run["id"]), {"output": _output_json(output, batch)})
    return CheckResult(int(run["id"]), output, suggestions_posted, reused=False)


def same_result(run: Mapping[str, Any], output: CheckRunOutput) -> bool:
    published = run.get("output") or {}
    return (
        run.get("status") == "completed"
        and run.get("conclusion") == output.conclusion
        and published.get("title") == output.title
        and published.get("summary") == output.summary
        and published.get("annotations_count") == len(output.annotations)
    )


def with_note(output: Mapping[str, Any], note: str) -> dict[str, Any]:
    """A check run `output` (as GitHub sent it) with `note` put first in its summary."""
    summary = f"{note}\n\n{output.get('summary') or ''}".strip()
    return {"title": output.get("title") or "chronolog", "summary": summary[:65_535]}
