"""Every error answer is JSON `{"error", "detail", "request_id"}`; rejected agent calls are counted."""

from __future__ import annotations

import logging
import threading
from typing import Dict, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.api.guard import RequestGuard
from server.store import refusals
from server.store.db import write_transaction
from server.store.upsert import bump

log = logging.getLogger("footprint.api")
RETRY_AFTER_SECONDS = 5


class ApiError(Exception):
    """An answer that names the problem: `code` is stable for programs, `detail` is for people."""

    def __init__(
        self, status: int, code: str, detail: str, headers: Optional[Dict[str, str]] = None
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


WHAT = {
    400: "malformed: invalid JSON, gzip or text (NUL), or a bad filter",
    401: "no valid credential for this call",
    403: "the credential may not do this (read-only token, another host's key, removed host)",
    404: "no such host, token or route",
    409: "a conflict: the host id is enrolled already without proof of being that host, or the target exists",
    413: "the body is larger than the collector's limits",
    415: "a Content-Type or Content-Encoding the collector does not read",
    422: "a field or parameter out of the contract, named in `detail`",
    500: "a failure of the collector itself: `request_id` finds it in the log",
    503: "the database is unavailable or busy: retry after `Retry-After` seconds",
}


def error_responses(*statuses: int) -> dict:
    """OpenAPI `responses` for the error answers of a route: each the JSON error body."""
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}  # also under /metrics
    return {status: {"description": WHAT[status], "content": content} for status in statuses}


def describe_validation(errors: list, limit: int = 5) -> str:
    """pydantic errors as `software[3].name: String should have at most 512 characters; …`."""
    parts = []
    for err in errors[:limit]:
        path = ""
        for loc in err.get("loc", ()):
            if loc == "body":
                continue
            path += f"[{loc}]" if isinstance(loc, int) else (f".{loc}" if path else str(loc))
        parts.append(f"{path or 'body'}: {err.get('msg')}")
    more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
    return "; ".join(parts) + more


def _answer(request: Request, status: int, code: str, detail: str, headers=None) -> JSONResponse:
    count_rejection(request.scope, code)
    body = {"error": code, "detail": detail, "request_id": request.scope.get("state", {}).get("request_id")}
    return JSONResponse(body, status_code=status, headers=headers)


def is_agent_call(path: str) -> bool:
    return path.startswith("/api/v1/") and not path.startswith("/api/v1/admin")


class Rejections:
    """Refused agent calls counted in this process and added to the database's counters now and then: a flood
    of bad keys costs no database write per call (a write per call cut good check-ins by a third). A report
    refused from an authenticated host is kept too, the latest per host, so a flush writes each host once."""

    FLUSH_SECONDS = 10.0
    MAX_HOSTS = 10_000  # refusals kept between two flushes; past that a refused host waits for its next report

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Dict[str, int] = {}
        self._refusals: Dict[str, refusals.Refusal] = {}

    def add(self, code: str) -> None:
        with self._lock:
            self._pending[code] = self._pending.get(code, 0) + 1

    def refused(self, refusal: refusals.Refusal) -> None:
        """Keep the latest refused report of a host until the next flush."""
        with self._lock:
            if refusal.host_id in self._refusals or len(self._refusals) < self.MAX_HOSTS:
                self._refusals[refusal.host_id] = refusal

    def flush(self, engine: Engine) -> None:
        """Write what was counted since the last flush (kept for the next one if the database fails)."""
        with self._lock:
            pending, self._pending = self._pending, {}
            refused, self._refusals = self._refusals, {}
        if not pending and not refused:
            return
        try:
            with write_transaction(engine) as conn:
                for code, amount in sorted(pending.items()):
                    bump(conn, f'footprint_rejected_total{{reason="{code}"}}', amount)
                refusals.record(conn, refused.values())
        except OperationalError:  # the database is what failed: keep the counts for the next flush
            log.warning("could not write the rejected-request counts; kept for the next flush")
            with self._lock:
                for code, amount in pending.items():
                    self._pending[code] = self._pending.get(code, 0) + amount
                for host_id, refusal in refused.items():
                    self._refusals.setdefault(host_id, refusal)


def count_rejection(scope, code: str) -> None:
    """Count a refused agent call (admin calls are not counted)."""
    if is_agent_call(scope.get("path", "")):
        scope["app"].state.rejections.add(code)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return _answer(request, exc.status, exc.code, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = list(exc.errors())
        if any(err.get("type") == "invalid_text" for err in errors):  # NUL or a lone surrogate: 400
            return _answer(request, 400, "invalid_text", describe_validation(errors))
        in_url = all(err.get("loc", ("body",))[0] in ("query", "path") for err in errors)
        return _answer(request, 422, "invalid_parameter" if in_url else "invalid_body", describe_validation(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _answer(request, exc.status_code, code, str(exc.detail), exc.headers)

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError):
        return unavailable(request.scope, exc)

    app.add_middleware(RequestGuard, on_refused=count_rejection)


def unavailable(scope, exc: OperationalError) -> JSONResponse:
    """503 with Retry-After: the database failed or was busy, the request may be sent again."""
    log.error("database unavailable: %s", exc.orig)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    detail = "the database is unavailable or busy; retry later"
    request_id = scope.get("state", {}).get("request_id")
    return JSONResponse({"error": "unavailable", "detail": detail, "request_id": request_id},
                        status_code=503, headers=headers)
