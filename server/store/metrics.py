"""Figures for /metrics computed from the database, so every collector process reports the same."""

from __future__ import annotations

from datetime import timedelta
from typing import Dict, List, Tuple

from sqlalchemy import Connection, case, func, select

from server.store.db import utcnow
from server.store.tables import counters, hosts

AGE_BUCKETS = (("1h", timedelta(hours=1)), ("1d", timedelta(days=1)), ("7d", timedelta(days=7)))


def counter_totals(conn: Connection) -> Dict[str, int]:
    query = select(counters.c.name, func.sum(counters.c.value)).group_by(counters.c.name)
    return {name: int(total) for name, total in conn.execute(query)}


def hosts_by_last_seen(conn: Connection) -> List[Tuple[str, int]]:
    """Hosts (not removed) last seen within 1h, 1d, 7d, and longer ago."""
    now = utcnow()
    label = case(
        *((hosts.c.last_seen >= now - age, name) for name, age in AGE_BUCKETS), else_="older"
    )
    query = (
        select(label.label("age"), func.count()).where(hosts.c.revoked.is_(False)).group_by(label)
    )
    found = dict(conn.execute(query).all())
    return [(name, found.get(name, 0)) for name, _ in AGE_BUCKETS] + [
        ("older", found.get("older", 0))
    ]
