"""The agent's side of docs/protocol.md: enroll, check in, send a report."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy import Engine

from server.api.body import read_json_body
from server.api.deps import bearer, get_engine, get_settings, host_of_key
from server.api.errors import ApiError, describe_validation, error_responses
from server.api.ops import Timer
from server.auth import hash_secret
from server.schemas import (
    CheckinRequest,
    CheckinResponse,
    EnrollRequest,
    EnrollResponse,
    ReportResponse,
)
from server.settings import Settings
from server.store import ingest
from server.store.credentials import HostExists, HostRemoved, WrongHost, enroll_host, find_token
from server.store.db import utcnow
from server.store.refusals import Refusal
from server.store.validation import InvalidReport

router = APIRouter(prefix="/api/v1", tags=["agent"],
                   responses=error_responses(400, 401, 403, 409, 413, 415, 422, 500, 503))
# The report is read as a stream (gzip, limits while inflating), so its schema is declared here by hand.
REPORT_BODY = {"requestBody": {"required": True, "description": "a footprint.report/1 (docs/report-format.md), "
                               "optionally with Content-Encoding: gzip",
                               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}}}


@router.post("/enroll", status_code=201, response_model=EnrollResponse)
def enroll(
    body: EnrollRequest,
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> EnrollResponse:
    """Exchange an enrollment secret for this host's own key (shown once)."""
    token = find_token(engine, body.secret, ("enroll", "reenroll"), utcnow())
    if token is None:
        raise ApiError(401, "unauthorized", "unknown, expired or revoked enrollment secret")
    try:
        key = enroll_host(engine, token, body.host_id, body.hostname, body.tags, body.host_key)
    except HostRemoved:
        raise ApiError(
            403, "host_removed", f"host {body.host_id} was removed by an administrator"
        ) from None
    except WrongHost:
        raise ApiError(
            403, "wrong_host", f"this re-enrollment secret was issued for another host than {body.host_id}"
        ) from None
    except HostExists:
        raise ApiError(
            409,
            "host_exists",
            f"host {body.host_id} is already enrolled: send its current key (host_key), or an "
            f"administrator runs `footprint hosts reenroll {body.host_id}` and enrolls with that secret",
        ) from None
    return EnrollResponse(
        host_id=body.host_id, host_key=key, next_checkin_seconds=settings.next_checkin_seconds()
    )


def _own_host(claimed: str, key_host: str) -> None:
    if claimed != key_host:
        raise ApiError(403, "wrong_host", f"this key belongs to another host than {claimed}")


@router.post("/checkin", response_model=CheckinResponse)
async def checkin(
    body: CheckinRequest,
    key: str = Depends(bearer),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> CheckinResponse:
    """Cheap liveness: only last-seen changes, unless the inventory hash differs.

    A well-formed check-in from a live host is answered by server/api/checkin_path.py before it gets here; this
    route answers the rest (refusals) and declares the call in the OpenAPI document. One hand-off to the thread
    pool for its statements (a plain `def` endpoint would take a second one to serialise the answer)."""
    try:
        full = await run_in_threadpool(
            ingest.checkin, engine, hash_secret(key), body.host_id, body.inventory_hash, body.agent_version
        )
    except ingest.HostGone:
        _own_host(body.host_id, await run_in_threadpool(host_of_key, key, engine))  # 401 for a dead key, else 403
        raise ApiError(401, "unauthorized", "the host was removed") from None
    return CheckinResponse(full_report=full, next_checkin_seconds=settings.next_checkin_seconds())


@router.post("/reports", response_model=ReportResponse, openapi_extra=REPORT_BODY)
async def reports(
    request: Request,
    host_id: str = Depends(host_of_key),
    engine: Engine = Depends(get_engine),
    settings: Settings = Depends(get_settings),
) -> ReportResponse:
    """A full `footprint.report/1`, JSON or gzip; stored in one transaction, once per report_id."""
    try:
        # the body is not kept in a local: once parsed, only the validated report and its audit copy stay in memory
        parsed = await run_in_threadpool(
            _parse, await read_json_body(request, settings.max_body_bytes, settings.max_inflated_bytes))
        _own_host(parsed.report.host.id, host_id)
        with Timer(request.app.state.ingest_latency):
            result = await run_in_threadpool(ingest.ingest_report, engine, parsed, host_id)
    except ingest.HostGone:
        raise ApiError(401, "unauthorized", "the host was removed") from None
    except ApiError as exc:  # this host's report refused: recorded for `footprint hosts`, written with the counts
        request.app.state.rejections.refused(Refusal(host_id, utcnow(), exc.status, exc.code, exc.detail))
        raise
    return ReportResponse(
        accepted=True,
        duplicate=result.duplicate,
        next_checkin_seconds=settings.next_checkin_seconds(),
    )


def _parse(body: bytes) -> ingest.ParsedReport:
    try:
        return ingest.parse_report(body)
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_json", f"the body is not UTF-8: {exc.reason}") from None
    except RecursionError:
        raise ApiError(400, "too_deep", "the JSON is nested too deeply") from None
    except ingest.TooManyValues as exc:
        raise ApiError(413, "too_many_values", str(exc)) from None
    except ingest.UnstorableText as exc:
        raise ApiError(400, "invalid_text", str(exc)) from None
    except json.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"malformed JSON: {exc}") from None
    except (ValidationError, InvalidReport) as exc:
        raise ApiError(422, "invalid_report", describe_validation(exc.errors())) from None
