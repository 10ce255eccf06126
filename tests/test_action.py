"""The GitHub Action (`action.yml`) and the pre-commit hooks run the commands they document."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
BASE = "# Log\n\n## 2022-11-20\n\nno handle here\n\n## 2022-11-19\n\n@bob ok\n"
HEAD = "# Log\n\n## 2022-11-21\n\nnobody either\n\n" + BASE.removeprefix("# Log\n\n")


def action() -> dict[str, object]:
    loaded = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_action_is_composite_with_the_documented_inputs() -> None:
    spec = action()
    runs = spec["runs"]
    assert isinstance(runs, dict)
    assert runs["using"] == "composite"
    assert list(spec["inputs"]) == [  # type: ignore[call-overload]
        "paths",
        "config",
        "diff-base",
        "sarif-file",
        "args",
        "python-version",
    ]
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name in spec["inputs"]:  # type: ignore[attr-defined]
        assert f"| `{name}` |" in docs


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="git, bash")
def test_the_check_step_annotates_and_fails_only_on_new_problems_like_the_app(
    tmp_path: Path,
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "test@example.com")
    git("config", "user.name", "Test")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "chronolog.yml").write_text("logs: [log.md]\n")
    (tmp_path / "log.md").write_text(BASE)
    git("add", ".")
    git("commit", "-q", "-m", "base")
    (tmp_path / "log.md").write_text(HEAD)
    steps = action()["runs"]["steps"]  # type: ignore[index]
    script = steps[-1]["run"]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PATHS": "",
        "CONFIG": "",
        "DIFF_BASE": "main",
        "SARIF_FILE": "out.sarif",
        "ARGS": "--select participants",
        "PR_BASE_SHA": "",
    }
    if not (Path(sys.executable).parent / "chronolog").exists():
        pytest.skip("the chronolog console script is not installed next to this Python")
    completed = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    participants = (
        "does not list everyone involved; start it with their GitHub handles, like "
        "`@alice, @bob` (`--author HANDLE` lets chronolog add yours)"
    )
    # As on the check run: only the added lines are annotated (`annotations: added`).
    assert completed.stdout.splitlines() == [
        "::error file=log.md,line=5,endLine=5,col=1,title=chronolog participants::"
        f"the entry's first line `nobody either` {participants}",
    ]
    assert "chronolog: 1 existing problem is not annotated" in completed.stderr
    assert completed.returncode == 1
    assert '"ruleId": "participants"' in (tmp_path / "out.sarif").read_text()


def test_the_pre_commit_hook_checks_the_staged_diff() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [(hook["id"], hook["entry"]) for hook in hooks] == [
        ("chronolog", "chronolog check --force-exclude --diff-base HEAD"),
        ("chronolog-all", "chronolog check --force-exclude"),
    ]
