"""Engines for embedded SQLite in a data directory, or PostgreSQL through psycopg 3."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from server.settings import DATA_ENV, env

DEFAULT_DATA_DIR = "./footprint-data"
SQLITE_FILE = "footprint.db"
BUSY_TIMEOUT_MS = 30_000
BULK_CACHE_KIB = 65_536  # SQLite's page cache for a bulk writer's connection (the default is 2 MiB)


class DatabaseUrlError(ValueError):
    """A --db value that names no supported database."""


def data_dir_from_env(data_dir: Optional[str] = None) -> Path:
    """--data-dir, else FOOTPRINT_DATA, else ./footprint-data."""
    return Path(data_dir or env(DATA_ENV) or DEFAULT_DATA_DIR)


def resolve_url(db: Optional[str], data_dir: Optional[str] = None) -> tuple[str, bool]:
    """The SQLAlchemy URL for --db (else the embedded default), and whether it is that default."""
    if not db:
        directory = data_dir_from_env(data_dir)
        return f"sqlite:///{directory.resolve() / SQLITE_FILE}", True
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1], False
    if db.startswith(("postgresql+psycopg://", "sqlite:///")):
        return db, False
    raise DatabaseUrlError(
        f"--db {db.split('@')[-1]!r}: expected postgresql://user@host/dbname or sqlite:///path"
    )


def make_engine(url: str, pool_size: int = 8) -> Engine:
    """An engine with the collector's connection settings for SQLite or PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, pool_size)
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, hide_parameters=True)


def _private_directory(directory: Path) -> None:
    """Create `directory` (and missing parents) readable by its owner only; an existing one is left as it is."""
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    for created in reversed(missing):
        created.mkdir(mode=0o700, exist_ok=True)
        os.chmod(created, 0o700)  # mkdir's mode is filtered by the umask


def _private_file(path: str) -> None:
    """The database file and its -wal and -shm 0600 (SQLite makes later ones with the file's mode): chmod only,
    the file is never opened here (closing another descriptor of it would drop SQLite's POSIX locks)."""
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            pass


def _sqlite_engine(url: str, path: Optional[str], pool_size: int) -> Engine:
    on_disk = bool(path) and path != ":memory:"
    if on_disk:
        _private_directory(Path(path).parent)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        hide_parameters=True,  # an error logged never carries a row's values (hashes, inventories)
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's begin event below issues BEGIN itself
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()
        if on_disk:
            _private_file(path)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the lock up front so that read-then-write transactions never deadlock.
        write = conn.get_execution_options().get("footprint_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it holds the write lock from its first statement."""
    with engine.connect() as conn:
        conn = conn.execution_options(footprint_write=True)
        with conn.begin():
            yield conn


def widen_cache(conn: Connection) -> None:
    """A larger SQLite page cache for a connection writing in bulk (import): the index pages a batch of files
    touches stay in memory until its commit instead of being evicted and read again (first import: 30 → 24 ms
    of CPU per file, bench/import.py). Kept for the connection's life; PostgreSQL has its own shared buffers."""
    if is_sqlite(conn):
        conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")


def ping(engine: Engine) -> None:
    """Ask the database for a trivial answer: raises SQLAlchemyError when it cannot give one."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def is_sqlite(conn_or_engine) -> bool:
    return conn_or_engine.dialect.name == "sqlite"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: Optional[datetime]) -> Optional[datetime]:
    """Timestamps come back naive from SQLite; they are stored in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)
