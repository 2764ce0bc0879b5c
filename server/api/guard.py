"""The outermost layer of every request: a request id, NUL characters in the URL refused, and a last-resort
JSON answer (logged with that id) for any error nothing else handled, so no answer leaves the documented shape.
A request still running when a stopping collector gives up waiting (uvicorn cancels it) is answered 503: the
agent resends from its spool.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Awaitable, Callable, MutableMapping, Optional

log = logging.getLogger("footprint.api")
REQUEST_ID_HEADER = b"x-request-id"
RETRY_AFTER_STOPPING = 30  # seconds: a restart's migration check and startup fit in it
Scope = MutableMapping
Message = MutableMapping
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _has_nul(raw: bytes) -> bool:
    return b"\x00" in raw or b"%00" in raw


class RequestGuard:
    """Pure ASGI middleware: cheap on the check-in path (no request object, no body touched)."""

    def __init__(self, app: Callable, on_refused: Callable[[Scope, str], None]) -> None:
        self.app = app
        self.on_refused = on_refused  # counts an agent call refused here, like the routers' refusals

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
        if _has_nul(raw_path) or _has_nul(scope.get("query_string", b"").lower()):
            self.on_refused(scope, "invalid_text")
            await _json(send_with_id, 400, "invalid_text", "the URL contains a NUL character (%00)", request_id)
            return
        try:
            await self.app(scope, receive, send_with_id)
        except asyncio.CancelledError:
            if started:
                raise
            log.warning("request %s (%s %s) cut short: the collector is stopping", request_id,
                        scope.get("method"), scope.get("path"))
            await _json(send_with_id, 503, "stopping", "the collector is stopping; send again shortly", request_id,
                        retry_after=RETRY_AFTER_STOPPING)
        except Exception:  # noqa: BLE001 - the last resort: whatever it was, answer in the documented shape
            log.exception("request %s (%s %s) failed", request_id, scope.get("method"), scope.get("path"))
            if started:
                raise
            detail = f"the collector failed on this request; its log names it by request id {request_id}"
            await _json(send_with_id, 500, "internal_error", detail, request_id)


async def _json(send: Send, status: int, code: str, detail: str, request_id: str,
                retry_after: Optional[int] = None) -> None:
    body = json.dumps({"error": code, "detail": detail, "request_id": request_id}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
