"""The admin REST API (admin token): hosts, one host, software titles, tokens, host removal."""

from __future__ import annotations

from datetime import timedelta
from typing import List, Optional

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import Engine

from server.api.deps import (
    MAX_DAYS,
    MAX_ID,
    MAX_OFFSET,
    MAX_ROWS,
    Admin,
    HostRef,
    admin,
    get_engine,
    refusals_written,
    writing_admin,
)
from server.api.errors import ApiError, error_responses
from server.schemas import HostDetail, HostList, TokenCreate
from server.store import credentials, queries

# authentication first, for every route: no filter or body is looked at for a caller without a token
router = APIRouter(prefix="/api/v1/admin", tags=["admin"], dependencies=[Depends(admin)],
                   responses=error_responses(400, 401, 403, 404, 422, 500, 503))


def _tag_pairs(tag: List[str]) -> List[tuple]:
    try:
        return queries.parse_tag_filters(tag)
    except ValueError as exc:
        raise ApiError(400, "invalid_filter", str(exc)) from None


@router.get("/hosts", response_model=HostList, dependencies=[Depends(refusals_written)])
def list_hosts(
    os: Optional[str] = Query(None, max_length=64, description="OS family, distro id or name"),
    kind: Optional[str] = Query(None, pattern=queries.KIND_PATTERN, description="computer, phone or tablet"),
    tag: List[str] = Query([], description="KEY=VALUE, repeatable (all must match)"),
    not_seen_days: Optional[float] = Query(None, ge=0, le=MAX_DAYS),
    incomplete: bool = Query(False, description="only hosts whose last report carries source errors, with them"),
    limit: int = Query(1000, ge=1, le=MAX_ROWS),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    engine: Engine = Depends(get_engine),
    _: Admin = Depends(admin),
) -> dict:
    with engine.connect() as conn:
        rows = queries.list_hosts(conn, os, _tag_pairs(tag), not_seen_days, limit, offset, kind, incomplete)
    return {"hosts": rows}


@router.get("/hosts/{host_id}", response_model=HostDetail, dependencies=[Depends(refusals_written)])
def get_host(host_id: str = HostRef, engine: Engine = Depends(get_engine), _: Admin = Depends(admin)):
    with engine.connect() as conn:
        host = queries.get_host(conn, host_id)
    if host is None:
        raise ApiError(404, "not_found", f"no one host is {host_id!r} (by id, id prefix, hostname)")
    return host


@router.delete("/hosts/{host_id}")
def remove_host(
    host_id: str = HostRef,
    purge: bool = False,
    engine: Engine = Depends(get_engine),
    _: Admin = Depends(writing_admin),
) -> dict:
    """Lock the host's agent out at once; `purge` also deletes its inventory and history."""
    if not credentials.remove_host(engine, host_id, purge):
        raise ApiError(404, "not_found", f"no host {host_id!r}")
    return {"removed": host_id, "purged": purge}


@router.post("/hosts/{host_id}/reenroll", status_code=201)
def reenroll_host(
    host_id: str = HostRef,
    valid_hours: int = Query(24, ge=1, le=720, description="how long the secret can be used"),
    engine: Engine = Depends(get_engine),
    who: Admin = Depends(writing_admin),
) -> dict:
    """A one-time secret with which this host (a reinstalled machine without its key) enrolls again."""
    with engine.connect() as conn:
        resolved = queries.resolve_host(conn, host_id)
    issued = resolved and credentials.allow_reenroll(engine, resolved, timedelta(hours=valid_hours), who.token_id)
    if not issued:
        raise ApiError(404, "not_found", f"no one host is {host_id!r} (by id, id prefix, hostname)")
    new, expires_at = issued
    return {"host_id": resolved, "id": new.id, "secret": new.secret, "expires_at": expires_at}


@router.get("/software")
def software(
    name: Optional[str] = Query(None, max_length=255, description="part of the name"),
    source: Optional[str] = Query(None, max_length=32),
    os: Optional[str] = Query(None, max_length=64),
    kind: Optional[str] = Query(None, pattern=queries.KIND_PATTERN, description="computer, phone or tablet"),
    tag: List[str] = Query([]),
    limit: int = Query(1000, ge=1, le=MAX_ROWS),
    engine: Engine = Depends(get_engine),
    _: Admin = Depends(admin),
) -> dict:
    with engine.connect() as conn:
        rows = queries.software_titles_with_counts(conn, name, source, os, _tag_pairs(tag), limit, kind)
    return {"software": rows}


@router.get("/tokens")
def list_tokens(engine: Engine = Depends(get_engine), _: Admin = Depends(admin)) -> dict:
    return {"tokens": credentials.list_tokens(engine)}


@router.post("/tokens", status_code=201)
def create_token(
    body: TokenCreate, engine: Engine = Depends(get_engine), _: Admin = Depends(writing_admin)
) -> dict:
    """The secret is in this answer only; the collector keeps its hash."""
    problem = credentials.token_problem(body.kind, body.read_only, body.tags)
    if problem:
        raise ApiError(422, "invalid_body", problem)
    new = credentials.create_token(
        engine, body.kind, body.name, body.read_only, body.expires_at, body.tags
    )
    return {"id": new.id, "kind": body.kind, "secret": new.secret}


@router.delete("/tokens/{token_id}")
def revoke_token(
    token_id: int = Path(ge=1, le=MAX_ID), engine: Engine = Depends(get_engine), _: Admin = Depends(writing_admin)
) -> dict:
    if not credentials.revoke_token(engine, token_id):
        raise ApiError(404, "not_found", f"no live token {token_id}")
    return {"revoked": token_id}
