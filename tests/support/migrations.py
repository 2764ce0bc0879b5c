"""Take a database with stored inventories back to an earlier schema and up to head again, as an upgrade from
that version would run, so a migration's filling of existing rows is tested on real data."""

from __future__ import annotations

from alembic import command

from server.store.migrate import _config


def down_and_up(engine, revision: str) -> None:
    """Downgrade to `revision`, then upgrade to head, in one connection (foreign keys off on SQLite, as
    server.store.migrate.upgrade runs: a table SQLite copies must not cascade-delete its children)."""
    config = _config()
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        command.upgrade(config, "head")
        conn.commit()
        if conn.dialect.name == "sqlite":
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
