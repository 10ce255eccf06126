"""Shared test fixtures: real logs and webhook payloads live in tests/fixtures (never edit)."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
LOGS = FIXTURES / "logs"
WEBHOOKS = FIXTURES / "webhooks"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
