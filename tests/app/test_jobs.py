"""The engine's plain parts: webhook answers first (`Foreground`), and reading a body
(`load_body`) the same way whichever parser reads it."""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time

import pytest

from chronolog.app.delivery import load_body
from chronolog.app.jobs import Foreground


async def waited(foreground: Foreground) -> float:
    started = time.monotonic()
    await foreground.wait_turn()
    return time.monotonic() - started


@pytest.mark.anyio
async def test_work_goes_on_at_once_when_no_webhook_arrives() -> None:
    assert await waited(Foreground(quiet=1.0, longest=5.0)) < 0.5


@pytest.mark.anyio
async def test_work_waits_while_a_webhook_is_received_and_a_quiet_moment_after() -> None:
    foreground = Foreground(quiet=0.2, longest=5.0)

    async def receive() -> None:
        with foreground.receiving():
            await asyncio.sleep(0.3)

    receiving = asyncio.create_task(receive())
    await asyncio.sleep(0)
    took = await waited(foreground)
    await receiving

    assert 0.45 <= took < 2.0  # 0.3 s receiving, then 0.2 s quiet


@pytest.mark.anyio
async def test_a_steady_stream_of_webhooks_delays_work_but_never_stops_it() -> None:
    foreground = Foreground(quiet=0.2, longest=0.3)
    with foreground.receiving():
        took = await waited(foreground)

    assert 0.3 <= took < 1.5


def test_a_thread_waits_while_a_webhook_is_received_but_the_receiving_thread_never_does() -> None:
    foreground = Foreground(quiet=0.05, longest=5.0)
    returned: list[float] = []
    worker = threading.Thread(
        target=lambda: (foreground.wait_turn_blocking(), returned.append(time.monotonic()))
    )
    with foreground.receiving():
        foreground.wait_turn_blocking()  # at once: it would wait for itself
        worker.start()
        time.sleep(0.2)
        assert returned == []  # still receiving: the thread waits
        left = time.monotonic()
    worker.join(timeout=5)
    assert len(returned) == 1
    assert returned[0] >= left + 0.05


def test_a_thread_goes_on_at_once_when_no_webhook_arrives() -> None:
    foreground = Foreground(quiet=5.0, longest=10.0)
    started = time.monotonic()
    foreground.wait_turn_blocking()
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    "body",
    [
        b'{"action": "opened", "number": 1}',
        # What orjson refuses and the standard library reads: a lone surrogate, NaN.
        b'{"title": "\\ud83d broken emoji"}',
        b'{"score": NaN}',
        b"[" * 600 + b"]" * 600,
    ],
)
def test_a_body_reads_as_the_standard_library_reads_it(body: bytes) -> None:
    expected, got = json.loads(body), load_body(body)
    if isinstance(expected, dict) and "score" in expected:
        assert math.isnan(got["score"])
    else:
        assert got == expected


def test_an_integer_past_64_bits_reads_as_a_float() -> None:
    # The one difference from `json.loads`; GitHub's ids and counts are 64-bit integers.
    assert load_body(b'{"id": 123456789012345678901234567890}') == {"id": 1.2345678901234568e29}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"payload=%7B%7D", ValueError),
        (b"[" * 100_000 + b"]" * 100_000, RecursionError),
    ],
)
def test_what_is_not_json_is_refused_as_the_standard_library_refuses_it(
    body: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        load_body(body)
