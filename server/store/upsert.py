"""INSERT … ON CONFLICT for SQLite and PostgreSQL alike, and counters kept in the database."""

from __future__ import annotations

import random
from typing import Iterable, Sequence

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from server.store.tables import counters

COUNTER_SHARDS = 8


def insert_for(conn: Connection, table: Table):
    """The dialect's INSERT construct, which has on_conflict_do_nothing / on_conflict_do_update."""
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def upsert(
    conn: Connection, table: Table, rows: Sequence[dict], keys: Iterable[str], update: Iterable[str]
) -> None:
    """Insert `rows`, overwriting the `update` columns where the `keys` already exist."""
    if not rows:
        return
    stmt = insert_for(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
    )
    conn.execute(stmt, list(rows))


def bump(conn: Connection, name: str, amount: int = 1) -> None:
    """Add to a counter in the database (processes are stateless), on one of a few rows."""
    stmt = insert_for(conn, counters).values(
        name=name, shard=random.randrange(COUNTER_SHARDS), value=amount
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["name", "shard"], set_={"value": counters.c.value + amount}
        )
    )
