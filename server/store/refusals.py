"""The last report refused from each host, written with the rejected-call counts (no write per refused call)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Optional

from sqlalchemy import Connection, bindparam, or_, update

from server.store.tables import REFUSAL_DETAIL_LENGTH, hosts

COLUMNS = ("refused_at", "refused_status", "refused_error", "refused_detail")


@dataclass(frozen=True)
class Refusal:
    """A report an authenticated host sent and the collector refused: when, and the error answer it got."""

    host_id: str
    at: datetime
    status: int
    error: str
    detail: str


def record(conn: Connection, refusals: Iterable[Refusal]) -> None:
    """Store each host's refusal unless the host already holds a later one (another process wrote it)."""
    rows = [{"host": r.host_id, "at": r.at, "status": r.status, "error": r.error[:32],
             "detail": r.detail[:REFUSAL_DETAIL_LENGTH]} for r in refusals]
    if not rows:
        return
    stmt = (
        update(hosts)
        .where(hosts.c.id == bindparam("host"),
               or_(hosts.c.refused_at.is_(None), hosts.c.refused_at < bindparam("at")))
        .values(refused_at=bindparam("at"), refused_status=bindparam("status"),
                refused_error=bindparam("error"), refused_detail=bindparam("detail"))
    )
    conn.execute(stmt, rows)


def last_refusal(row) -> Optional[dict]:
    """The host row's refusal as the API shows it; `current` while no report was applied after it."""
    if row["refused_at"] is None:
        return None
    applied = row["last_report_at"]  # both aware UTC (tables.UtcDateTime)
    return {"at": row["refused_at"], "status": row["refused_status"], "error": row["refused_error"],
            "detail": row["refused_detail"], "current": applied is None or applied < row["refused_at"]}
