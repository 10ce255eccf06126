"""The worker process: deliveries run in a child, failures and crashes are reported."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from chronolog.app.queue import Delivery, Process
from chronolog.app.worker import WorkerProcess
from tests.app.conftest import NOW


def recorder(directory: str) -> Process:
    """Runs in the child: writes `<event> <pid>` to a file named after each delivery;
    the event `fail` raises, `crash` ends the process."""

    async def process(delivery: Delivery) -> None:
        if delivery.event == "fail":
            raise RuntimeError("a bug in a handler")
        if delivery.event == "crash":
            os._exit(3)
        Path(directory, delivery.id).write_text(f"{delivery.event} {os.getpid()}")

    return process


def item(delivery_id: str, event: str = "pull_request") -> Delivery:
    return Delivery(delivery_id, event, "synchronize", {"action": "synchronize"}, NOW)


def written(directory: Path) -> dict[str, str]:
    return {path.name: path.read_text().split()[0] for path in sorted(directory.iterdir())}


def pid_of(directory: Path, delivery_id: str) -> int:
    return int((directory / delivery_id).read_text().split()[1])


@pytest.mark.anyio
async def test_deliveries_are_processed_in_another_process(tmp_path: Path) -> None:
    failed: list[str] = []
    queue = WorkerProcess(
        functools.partial(recorder, str(tmp_path)), on_failure=lambda d: failed.append(d.id)
    )
    await queue.start()
    try:
        assert all(queue.submit(item(f"d-{n}")) for n in range(5))
        assert queue.submit(item("d-fail", "fail"))
        await queue.join()
    finally:
        await queue.stop()

    assert written(tmp_path) == {f"d-{n}": "pull_request" for n in range(5)}
    assert pid_of(tmp_path, "d-0") != os.getpid()
    assert failed == ["d-fail"]


@pytest.mark.anyio
async def test_a_crashed_worker_is_replaced_and_its_deliveries_reported(tmp_path: Path) -> None:
    failed: list[str] = []
    queue = WorkerProcess(
        functools.partial(recorder, str(tmp_path)), on_failure=lambda d: failed.append(d.id)
    )
    await queue.start()
    try:
        queue.submit(item("d-before"))
        await queue.join()
        queue.submit(item("d-crash", "crash"))
        await queue.join()
        queue.submit(item("d-after"))
        await queue.join()
    finally:
        await queue.stop()

    assert failed == ["d-crash"]
    assert written(tmp_path) == {"d-after": "pull_request", "d-before": "pull_request"}
    assert pid_of(tmp_path, "d-after") != pid_of(tmp_path, "d-before")


@pytest.mark.anyio
async def test_stop_finishes_what_was_submitted_and_then_refuses_work(tmp_path: Path) -> None:
    queue = WorkerProcess(functools.partial(recorder, str(tmp_path)), concurrency=2)
    await queue.start()
    for n in range(6):
        queue.submit(item(f"d-{n}"))

    await queue.stop()

    assert len(written(tmp_path)) == 6
    assert not queue.submit(item("d-late"))


@pytest.mark.anyio
async def test_a_full_queue_refuses_a_delivery(tmp_path: Path) -> None:
    queue = WorkerProcess(functools.partial(recorder, str(tmp_path)), maxsize=1)
    await queue.start()
    try:
        # The child is still starting, so the first delivery is still pending.
        assert queue.submit(item("d-1"))
        assert not queue.submit(item("d-2"))
        await queue.join()
        assert queue.submit(item("d-3"))
    finally:
        await queue.stop()
    assert set(written(tmp_path)) == {"d-1", "d-3"}
