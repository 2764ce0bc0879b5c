"""The footprint totals on the admin REST API: summary, vendors, products, worst hosts, trend, unknown, export."""

from __future__ import annotations

from datetime import date, datetime
from typing import Iterator, List, Optional

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from server import totals
from server.api.deps import (
    MAX_DAYS,
    MAX_ROWS,
    Admin,
    HostRef,
    admin,
    current_time,
    get_engine,
    refusals_written,
)
from server.api.errors import ApiError, error_responses
from server.schemas import HostDetail
from server.store import classify, queries

# authentication first, for every route: no filter or body is looked at for a caller without a token
router = APIRouter(prefix="/api/v1/admin", tags=["totals"], dependencies=[Depends(admin)],
                   responses=error_responses(400, 401, 404, 422, 500, 503))
EXPORT_BATCH = 2000  # rows per chunk of the streamed export
ExtensionsQuery = Query("exclude", pattern="^(exclude|include|only)$",
                        description="browser and IDE extensions: left out (default), counted with programs, or alone")


async def host_filter(
    tag: List[str] = Query([], description="KEY=VALUE, repeatable (all must match)"),
    os: Optional[str] = Query(None, max_length=64, description="OS family, distribution id or name"),
    kind: Optional[str] = Query(None, pattern=queries.KIND_PATTERN, description="computer, phone or tablet"),
    seen_within_days: Optional[int] = Query(None, ge=1, le=MAX_DAYS, description="only hosts seen in the last N days"),
    stale_days: Optional[int] = Query(None, ge=1, le=MAX_DAYS, description="hosts not seen for N days are stale"),
    now: datetime = Depends(current_time),
) -> totals.HostFilter:
    """The filters every totals question takes."""
    try:
        tags = tuple(queries.parse_tag_filters(tag))
    except ValueError as exc:
        raise ApiError(400, "invalid_filter", str(exc)) from None
    extra = {"stale_days": stale_days} if stale_days else {}
    return totals.HostFilter(tags=tags, os=os, kind=kind, seen_within_days=seen_within_days, now=now, **extra)


UNUSED_HELP = "installs whose last recorded use is older than N days, on hosts that record last use"


@router.get("/summary")
def summary(f: totals.HostFilter = Depends(host_filter), top: int = Query(10, ge=1, le=100),
            unused_days: int = Query(totals.DEFAULT_UNUSED_DAYS, ge=1, le=MAX_DAYS, description=UNUSED_HELP),
            engine: Engine = Depends(get_engine), _: Admin = Depends(admin)) -> dict:
    with engine.connect() as conn:
        return totals.summary(conn, f, top, unused_days)


@router.get("/vendors")
def vendors(f: totals.HostFilter = Depends(host_filter), foreign: bool = False, extensions: str = ExtensionsQuery,
            engine: Engine = Depends(get_engine), _: Admin = Depends(admin)) -> dict:
    with engine.connect() as conn:
        rows = totals.vendors(conn, f, foreign_only=foreign, extensions=extensions)
    return {"vendors": rows, "filters": totals.describe(f)}


@router.get("/products")
def products(
    f: totals.HostFilter = Depends(host_filter),
    status: List[str] = Query([], description="domestic, foreign, foreign-proprietary, foreign-open-source"),
    category: Optional[str] = Query(None, max_length=64),
    country: Optional[str] = Query(None, min_length=2, max_length=2),
    extensions: str = ExtensionsQuery,
    unused_days: Optional[int] = Query(None, ge=1, le=MAX_DAYS, description=UNUSED_HELP),
    engine: Engine = Depends(get_engine),
    _: Admin = Depends(admin),
) -> dict:
    statuses = tuple(s for s in status if s != "foreign") + (totals.FOREIGN if "foreign" in status else ())
    with engine.connect() as conn:
        rows = totals.products(conn, f, statuses, category, country,
                               alternatives=classify.alternatives_lookup(engine), extensions=extensions,
                               unused_days=unused_days)
        answer = {"products": rows, "filters": totals.describe(f)}
        if unused_days is not None:
            answer["unused"] = {"days": unused_days, "hosts_recording": totals.recording_hosts(conn, f)}
    return answer


@router.get("/foreign-hosts")
def foreign_hosts(
    f: totals.HostFilter = Depends(host_filter),
    sort: str = Query("foreign-count", pattern="^(foreign-count|foreign-proprietary|share|hostname)$"),
    limit: int = Query(50, ge=1, le=MAX_ROWS),
    engine: Engine = Depends(get_engine),
    _: Admin = Depends(admin),
) -> dict:
    with engine.connect() as conn:
        return {"hosts": totals.foreign_hosts(conn, f, limit, sort), "filters": totals.describe(f)}


@router.get("/hosts/{host_id}/classified", response_model=HostDetail, dependencies=[Depends(refusals_written)])
def host_classified(host_id: str = HostRef, engine: Engine = Depends(get_engine), _: Admin = Depends(admin)) -> dict:
    with engine.connect() as conn:
        host = queries.get_host(conn, host_id)
        if host is None:
            raise ApiError(404, "not_found", f"no one host is {host_id!r} (by id, id prefix, hostname)")
        items = totals.host_items(conn, host["id"], classify.alternatives_lookup(engine))
    host["software"] = items
    return host


@router.get("/trend")
def trend(
    f: totals.HostFilter = Depends(host_filter),
    since: Optional[date] = None,
    by: str = Query("month", pattern="^(week|month)$"),
    product: Optional[str] = Query(None, max_length=128),
    engine: Engine = Depends(get_engine),
    _: Admin = Depends(admin),
) -> dict:
    with engine.connect() as conn:
        return {"trend": totals.trend(conn, f, since, by, product), "by": by, "product": product,
                "filters": totals.describe(f)}


@router.get("/unknown")
def unknown(f: totals.HostFilter = Depends(host_filter), limit: int = Query(100, ge=1, le=MAX_ROWS),
            by: str = Query("title", pattern="^(title|publisher)$"),
            engine: Engine = Depends(get_engine), _: Admin = Depends(admin)) -> dict:
    query = totals.unknown_publishers if by == "publisher" else totals.unknown_titles
    with engine.connect() as conn:
        return {"unknown": query(conn, f, limit), "by": by, "filters": totals.describe(f)}


@router.get("/export")
def export(
    f: totals.HostFilter = Depends(host_filter),
    format: str = Query("csv", pattern="^(csv|json)$"),
    bom: bool = Query(False, description="UTF-8 byte order mark, for Excel in Russian locales"),
    engine: Engine = Depends(get_engine),
    _: Admin = Depends(admin),
) -> StreamingResponse:
    """The host × product table, streamed (CSV or JSON lines) in batches: one write per row is slow."""
    import json

    def chunks() -> Iterator[bytes]:
        with engine.connect() as conn:
            if format == "csv":
                yield from totals.export_csv(conn, f, bom)
                return
            batch: List[dict] = []
            for row in totals.export_rows(conn, f):
                batch.append(row)
                if len(batch) == EXPORT_BATCH:
                    yield "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in batch).encode("utf-8")
                    batch = []
            yield "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in batch).encode("utf-8")

    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    return StreamingResponse(chunks(), media_type=media)
