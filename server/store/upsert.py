"""INSERT … ON CONFLICT for SQLite and PostgreSQL alike, and counters kept in the database."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from typing import Iterable, List, Sequence

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


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Plain INSERT of many rows through the driver's executemany, without per-row SQLAlchemy work.

    The hot path of ingest (thousands of rows per report); values must already be plain
    (str/int/bool/None; datetimes are converted here to what SQLAlchemy itself stores).
    """
    if not rows:
        return
    columns = list(rows[0])
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    quote = conn.dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    sqlite_ = conn.dialect.name == "sqlite"
    times = [i for i, c in enumerate(columns) if isinstance(rows[0][c], datetime)] if sqlite_ else []
    params = [tuple(row[c] for c in columns) for row in rows]
    if times:
        params = [_sqlite_times(p, times) for p in params]
    conn.exec_driver_sql(sql, params)


def _sqlite_times(values: tuple, positions: List[int]) -> tuple:
    out = list(values)
    for i in positions:
        moment = out[i].astimezone(timezone.utc)
        out[i] = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return tuple(out)
