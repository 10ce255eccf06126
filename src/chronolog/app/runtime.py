"""What the server runs, shared by its lifespan and its routes.

The store exists from start to stop. GitHub access, the engine and the webhook intake exist
once credentials do: from the environment at start, from the store at start (the setup
flow ran before), or from the setup flow while the server runs. `Runtime.configure` starts
them then, under one lock, so webhooks are served at once and no restart is needed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from chronolog.app.engine import Engine
from chronolog.app.github import GitHubApp
from chronolog.app.registration import stored_credentials
from chronolog.app.settings import Credentials
from chronolog.app.store import Store
from chronolog.app.webhooks import Intake

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Running:
    """The parts that need credentials, started."""

    credentials: Credentials
    github: GitHubApp
    engine: Engine
    intake: Intake


Start = Callable[[Store, Credentials], Awaitable[Running]]


class Runtime:
    """The store, and `running` once configured. `start` builds and starts the parts that
    need credentials (the server composes it)."""

    def __init__(self, store: Store, start: Start, environment: Credentials | None) -> None:
        self.store = store
        self.running: Running | None = None
        self._start = start
        self._environment = environment
        self._lock = asyncio.Lock()
        self._closed = False

    @property
    def configured(self) -> bool:
        return self.running is not None

    @property
    def webhook_secret(self) -> bytes | None:
        if self.running is None:
            return None
        return self.running.credentials.webhook_secret.get_secret_value().encode()

    @property
    def intake(self) -> Intake | None:
        return None if self.running is None else self.running.intake

    async def open(self) -> None:
        """Create the tables and start with the environment's credentials, else the
        stored ones (the environment always wins), else wait for the setup flow."""
        await asyncio.to_thread(self.store.create_tables)
        if self._environment is not None:
            await self.configure(self._environment)
            return
        await self.refresh()
        if self.running is not None:
            log.info("configured from the store: GitHub App %s", self.running.github.app_id)

    async def refresh(self) -> bool:
        """Start with stored credentials if another instance (or a previous run) stored
        them since; True when configured. One read of the store while unconfigured."""
        if self.running is not None:
            return True
        credentials = await asyncio.to_thread(stored_credentials, self.store)
        return credentials is not None and await self.configure(credentials)

    async def configure(self, credentials: Credentials) -> bool:
        """Start the parts that need `credentials`; False when already configured (the
        first credentials stay) or stopping."""
        async with self._lock:
            if self.running is not None or self._closed:
                return False
            self.running = await self._start(self.store, credentials)
            return True

    async def close(self) -> None:
        """Stop the engine (if it runs) and close the store; `configure` refuses after."""
        async with self._lock:
            self._closed = True
            running, self.running = self.running, None
        if running is not None:
            await running.engine.stop()
        self.store.engine.dispose()
