"""INSERT … ON CONFLICT for SQLite and PostgreSQL alike, and counters kept in the database."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from typing import Dict, Iterable, List, Sequence

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
    """Plain INSERT of many rows through the driver's bulk path, without per-row SQLAlchemy work: COPY on
    PostgreSQL, executemany on SQLite.

    The hot path of ingest (thousands of rows per report); values must already be plain
    (str/int/bool/None; datetimes are converted here to what SQLAlchemy itself stores).
    """
    if not rows:
        return
    columns = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[c] for c in columns))
        return
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join(['?'] * len(columns))})"
    times = [i for i, c in enumerate(columns) if isinstance(rows[0][c], datetime)]
    params = [tuple(row[c] for c in columns) for row in rows]
    if times:
        stored: Dict[datetime, str] = {}  # the rows of one report share a few timestamps
        params = [_sqlite_times(p, times, stored) for p in params]
    conn.exec_driver_sql(sql, params)


def _sqlite_times(values: tuple, positions: List[int], stored: Dict[datetime, str]) -> tuple:
    out = list(values)
    for i in positions:
        moment = out[i]
        text = stored.get(moment)
        if text is None:
            text = stored[moment] = moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        out[i] = text
    return tuple(out)
