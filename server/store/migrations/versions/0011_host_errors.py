"""The source errors of each host's last applied report (a database unreadable, a profile denied), so a host
whose inventory is incomplete is counted as such and never as free of foreign software. Filled from the audit
copy of each host's last report.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 200  # audit copies read at a time


def upgrade() -> None:
    table = op.create_table(
        "host_errors",
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=True),
        sa.Column("message", sa.String(length=2048), nullable=False),
        sa.ForeignKeyConstraint(["host_id"], ["hosts.id"], name="fk_host_errors_host_id_hosts", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("host_id", "position", name="pk_host_errors"),
    )
    _fill(op.get_bind(), table)


def _fill(conn: sa.Connection, table: sa.Table) -> None:
    """Each host's errors from the audit copy of its last applied report (raw_reports keeps one per host)."""
    raw = sa.table("raw_reports", sa.column("host_id"), sa.column("body"))
    after = ""
    while True:
        rows = conn.execute(sa.select(raw.c.host_id, raw.c.body).where(raw.c.host_id > after)
                            .order_by(raw.c.host_id).limit(BATCH)).all()
        if not rows:
            return
        for host_id, body in rows:
            errors = json.loads(body).get("errors") or []
            if errors:
                conn.execute(table.insert(), [
                    {"host_id": host_id, "position": i, "source": e["source"], "path": e.get("path"),
                     "message": e["message"]} for i, e in enumerate(errors)])
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_table("host_errors")
