"""`POST /api/github/webhooks`: verify, parse, queue, answer; the work happens later.

The order matters: the body is read (at most `MAX_BODY` bytes), its signature checked in
constant time, and only then is anything else about the request looked at. Every
answer is a 2xx or a 4xx; an unexpected error is logged and answered 202, never 500.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from chronolog.app.queue import Delivery, RecentDeliveries, WorkQueue

log = logging.getLogger(__name__)

MAX_BODY = 25 * 1024 * 1024  # GitHub never sends more than 25 MB
SIGNATURE_PREFIX = "sha256="


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


class WebhookEndpoint:
    """The webhook route (`endpoint`), holding the secret, the router and the queue.

    `accepts(event, payload)` says whether a handler wants the delivery; `queue()` gives
    the current queue (it only exists while the app's lifespan runs).
    """

    def __init__(
        self,
        secret: bytes | None,
        accepts: Callable[[str, dict[str, Any]], bool],
        queue: Callable[[], WorkQueue | None],
        deliveries: RecentDeliveries,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._secret = secret
        self._accepts = accepts
        self._queue = queue
        self._deliveries = deliveries
        self._clock = clock

    async def endpoint(self, request: Request) -> Response:
        try:
            return await self._receive(request)
        except Exception:
            log.exception("unexpected error receiving a webhook")
            return _answer(202, "accepted, but not processed: chronolog hit an internal error")

    async def _receive(self, request: Request) -> Response:
        if self._secret is None:
            return _answer(
                503, "chronolog is not configured: set GITHUB_WEBHOOK_SECRET (see GET /)"
            )
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return _answer(413, f"payload larger than {MAX_BODY} bytes")
        if not signature_is_valid(self._secret, body, request.headers.get("x-hub-signature-256")):
            return _answer(401, "missing or wrong X-Hub-Signature-256")

        try:
            payload = json.loads(body)
        except ValueError:
            return _answer(400, "body is not JSON")
        if not isinstance(payload, dict):
            return _answer(400, "body is not a JSON object")
        event = request.headers.get("x-github-event", "")
        delivery_id = request.headers.get("x-github-delivery", "")
        if event == "ping":
            return _answer(200, "pong")
        if not self._accepts(event, payload):
            return _answer(202, f"ignored: chronolog does not handle {_describe(event, payload)}")
        if delivery_id and not self._deliveries.first_time(delivery_id):
            return _answer(202, f"delivery {delivery_id} was already received")

        queue = self._queue()
        action = payload.get("action")
        delivery = Delivery(
            id=delivery_id,
            event=event,
            action=action if isinstance(action, str) else None,
            payload=payload,
            received_at=self._clock(),
        )
        if queue is None or not queue.submit(delivery):
            self._deliveries.forget(delivery_id)
            # 503 marks the delivery as failed on GitHub, so it can be redelivered.
            return _answer(503, "chronolog is busy; redeliver this webhook later")
        return _answer(202, f"accepted {_describe(event, payload)}")


def _describe(event: str, payload: dict[str, Any]) -> str:
    action = payload.get("action")
    return f"{event or 'an event without X-GitHub-Event'}" + (
        f".{action}" if isinstance(action, str) else ""
    )
