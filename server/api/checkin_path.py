"""The unchanged check-in without the framework: the commonest call of all, answered below FastAPI.

A well-formed, authorised `POST /api/v1/checkin` (JSON body, Bearer key, a live host) is read, validated with the
route's own model, written by `store.ingest.checkin` in one hand-off to a thread and answered with the route's own
response model; FastAPI's routing, dependency solving and request objects cost four times the statements
themselves (bench/checkin_cpu.py). Every other request, and every check-in this path does not answer with 200 —
malformed, unauthorised, another host's key, a removed host — goes to the FastAPI route with its body replayed,
so every refusal is the route's own answer (docs/protocol.md, the OpenAPI document, the rejection counters).
"""

from __future__ import annotations

import asyncio
from typing import Callable, List, Optional

from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from server.api.deps import bearer_value
from server.api.errors import unavailable
from server.api.guard import Message, Receive, Scope, Send
from server.auth import hash_secret
from server.schemas import CheckinRequest, CheckinResponse
from server.store import ingest

PATH = "/api/v1/checkin"
MAX_BODY = 4096  # a check-in is ~150 bytes; anything larger is the route's to refuse
JSON_HEADERS = [(b"content-type", b"application/json")]


class CheckinPath:
    """Pure ASGI middleware: answers the check-ins it can, hands the rest to `app` unchanged."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key, plain_json = _read_headers(scope)
        messages: List[Message] = []
        body = b""
        while True:  # the body, kept to replay it when the route answers after all
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body") or len(body) > MAX_BODY:
                break
        whole = messages[-1]["type"] == "http.request" and not messages[-1].get("more_body")  # no disconnect
        checkin = _parse(body) if key and plain_json and whole else None
        if checkin is not None:
            state = scope["app"].state
            args = (state.engine, hash_secret(key), checkin.host_id, checkin.inventory_hash, checkin.agent_version)
            try:
                # the loop's own executor: anyio's thread pool costs a capacity limiter and a cancel scope per call
                full = await asyncio.get_running_loop().run_in_executor(None, ingest.checkin, *args)
            except ingest.HostGone:
                pass  # the route tells a dead key (401) from another host's key (403)
            except OperationalError as exc:
                await unavailable(scope, exc)(scope, receive, send)
                return
            else:
                answer = CheckinResponse(full_report=full, next_checkin_seconds=state.settings.next_checkin_seconds())
                payload = answer.__pydantic_serializer__.to_json(answer)
                headers = [(b"content-length", str(len(payload)).encode()), *JSON_HEADERS]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": payload})
                return
        await self.app(scope, _replay(messages, receive), send)


def _read_headers(scope: Scope):
    """The bearer key and whether the body is plain JSON: None/False send the request to the route."""
    key: Optional[str] = None
    plain_json = seen_key = seen_type = False
    for name, value in scope["headers"]:
        if name == b"authorization" and not seen_key:  # the first of each, as Starlette reads headers
            key, seen_key = bearer_value(value.decode("latin-1")), True
        elif name == b"content-type" and not seen_type:
            plain_json, seen_type = value.lower() == b"application/json", True
        elif name == b"content-encoding":
            return None, False
    return key, plain_json


def _parse(body: bytes) -> Optional[CheckinRequest]:
    try:
        return CheckinRequest.model_validate_json(body)
    except (ValidationError, ValueError):
        return None


def _replay(messages: List[Message], receive: Receive) -> Receive:
    """`receive` that gives back what was already read, then the rest of the request."""
    pending = list(messages)

    async def again() -> Message:
        return pending.pop(0) if pending else await receive()

    return again
