"""`POST /api/github/webhooks`: verify, parse, store, answer; the work happens later.

The order matters: the body is read (at most `MAX_BODY` bytes), its signature checked in
constant time, and only then is anything else about the request looked at. A delivery is
answered 202 only once it is committed to the inbox (`Intake`), so an acknowledged
delivery survives any crash. When the store cannot take it the answer is 503, which
GitHub shows as a failed delivery that can be redelivered (and `redeliver` does so).
An unexpected error is logged and answered 503, never 500.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from chronolog.app.delivery import load_body, partition_key
from chronolog.app.jobs import Foreground
from chronolog.app.store import Store, StoredDelivery

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/github/webhooks"
MAX_BODY = 25 * 1024 * 1024  # GitHub never sends more than 25 MB
SIGNATURE_PREFIX = "sha256="
MAX_DELIVERY_ID = 100  # GitHub's are GUIDs (36 characters)


def signature_is_valid(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether `header` (X-Hub-Signature-256) is the HMAC-SHA256 of `body` with `secret`."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest().encode("ascii")
    # Bytes, because `compare_digest` refuses a str with non-ASCII characters (TypeError);
    # header values arrive decoded as Latin-1, so they encode back to their own bytes.
    given = header[len(SIGNATURE_PREFIX) :].encode("latin-1", errors="replace")
    return hmac.compare_digest(expected, given)


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body; raises `BodyTooLarge` as soon as more than `limit` bytes are known."""
    declared = request.headers.get("content-length", "")
    # ASCII digits only: `isdigit` accepts `²`, which `int` refuses.
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(status: int, message: str) -> Response:
    return JSONResponse({"message": message}, status_code=status)


class Intake:
    """Stores deliveries in the inbox, as many per transaction as arrive meanwhile.

    A burst of webhooks costs one commit, not one each (group commit): the first delivery
    starts a flush, and everything that arrives while it runs goes in the next one.
    `on_stored` is called after each commit that added something (the engine's `wake`).
    """

    def __init__(self, store: Store, on_stored: Callable[[], None]) -> None:
        self._store = store
        self._on_stored = on_stored
        self._waiting: list[tuple[StoredDelivery, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def add(self, delivery: StoredDelivery) -> bool:
        """Store `delivery`; True when it is new, False for a delivery id already stored.
        Raises what the database raised when the commit failed."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                new = await asyncio.to_thread(self._store.add, [d for d, _ in batch])
            except Exception as error:
                log.error("storing %d deliveries failed: %s", len(batch), error)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for delivery, future in batch:
                if not future.done():
                    future.set_result(delivery.delivery_id in new)
                    new.discard(delivery.delivery_id)  # a repeat in the same batch is old
            self._on_stored()


class WebhookEndpoint:
    """The webhook route (`endpoint`), holding the secret, the router and the intake.

    `accepts(event, payload)` says whether a handler wants the delivery; `intake()` gives
    the current intake (it only exists while the app's lifespan runs). `secret` is the
    webhook secret, or a function giving the current one (None until chronolog is set up);
    `refresh`, when given, is awaited when there is none yet: it may find that another
    instance was set up meanwhile. `observe(event, outcome)` hears what became of each
    delivery (stored, duplicate, ignored, bad_signature, ...): the metrics. `foreground`
    hears when a signed webhook is being parsed and stored (`jobs.Foreground`: background
    work waits); reading the body and checking its signature do not count, so a slow or
    unsigned request does not hold background work up.
    """

    def __init__(
        self,
        secret: bytes | Callable[[], bytes | None] | None,
        accepts: Callable[[str, dict[str, Any]], bool],
        intake: Callable[[], Intake | None],
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        refresh: Callable[[], Awaitable[bool]] | None = None,
        observe: Callable[[str, str], None] | None = None,
        foreground: Foreground | None = None,
    ) -> None:
        self._secret = secret if callable(secret) else (lambda: secret)
        self._accepts = accepts
        self._intake = intake
        self._clock = clock
        self._refresh = refresh
        self._observe = observe
        self._foreground = foreground or Foreground()

    async def endpoint(self, request: Request) -> Response:
        try:
            outcome, response = await self._receive(request)
        except Exception:
            log.exception("unexpected error receiving a webhook")
            outcome = "error"
            response = _answer(503, "chronolog hit an internal error; redeliver this webhook later")
        if self._observe is not None:
            self._observe(request.headers.get("x-github-event", "")[:100], outcome)
        return response

    async def _receive(self, request: Request) -> tuple[str, Response]:
        secret = self._secret()
        if secret is None and self._refresh is not None and await self._refresh():
            secret = self._secret()
        if secret is None:
            return "unconfigured", _answer(503, "chronolog is not set up yet: GET / sets it up")
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return "too_large", _answer(413, f"payload larger than {MAX_BODY} bytes")
        if not signature_is_valid(secret, body, request.headers.get("x-hub-signature-256")):
            return "bad_signature", _answer(401, "missing or wrong X-Hub-Signature-256")
        # Only a signed delivery makes background work wait, and only while it holds the
        # GIL (parsing, storing): not while a slow sender's body trickles in.
        with self._foreground.receiving():
            return await self._accept(request, body)

    async def _accept(self, request: Request, body: bytes) -> tuple[str, Response]:
        try:
            payload = load_body(body)
        except ValueError:
            return "bad_body", _answer(400, "body is not JSON")
        except RecursionError:
            return "bad_body", _answer(400, "body nests JSON deeper than Python can read")
        if not isinstance(payload, dict):
            return "bad_body", _answer(400, "body is not a JSON object")
        event = request.headers.get("x-github-event", "")
        if event == "ping":
            return "ping", _answer(200, "pong")
        if not self._accepts(event, payload):
            return "ignored", _answer(
                202, f"ignored: chronolog does not handle {_describe(event, payload)}"
            )

        intake = self._intake()
        if intake is None:
            return "unavailable", _answer(
                503, "chronolog is starting or stopping; redeliver this webhook later"
            )
        action = payload.get("action")
        delivery = StoredDelivery(
            delivery_id=_delivery_id(request.headers.get("x-github-delivery", ""), body),
            event=event[:100],
            action=action[:100] if isinstance(action, str) else None,
            body=body,
            partition=partition_key(event, payload)[:300],
            received_at=self._clock(),
        )
        try:
            new = await intake.add(delivery)
        except Exception:
            return "unavailable", _answer(
                503, "chronolog could not store this delivery; redeliver it later"
            )
        if not new:
            return "duplicate", _answer(
                202, f"delivery {delivery.delivery_id} was already received"
            )
        return "stored", _answer(202, f"accepted {_describe(event, payload)}")


def _delivery_id(header: str, body: bytes) -> str:
    """The delivery's id: GitHub's `X-GitHub-Delivery`, or for a request without a usable
    one (sent by hand), the hash of its body, so that sending it twice is still one."""
    header = header.strip()
    if header and len(header) <= MAX_DELIVERY_ID and header.isprintable():
        return header
    return "sha256-" + hashlib.sha256(body).hexdigest()


def _describe(event: str, payload: dict[str, Any]) -> str:
    action = payload.get("action")
    return f"{event or 'an event without X-GitHub-Event'}" + (
        f".{action}" if isinstance(action, str) else ""
    )
