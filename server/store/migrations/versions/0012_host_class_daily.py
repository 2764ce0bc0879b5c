"""Per class, host and day the change in that host's installs of the class (`host_class_daily`), so a migration
target's scoped burndown sums its hosts' rows instead of replaying every event. Filled from the stored events,
as server.store.aggregates.rebuild derives it.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_class_daily",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("d_installs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name=op.f("fk_host_class_daily_class_id_classes")),
        sa.ForeignKeyConstraint(["host_id"], ["hosts.id"], name=op.f("fk_host_class_daily_host_id_hosts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("class_id", "host_id", "day", name=op.f("pk_host_class_daily")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_host_class_daily_host_id"), "host_class_daily", ["host_id"], unique=False)
    conn = op.get_bind()
    # the UTC day of an event: SQLite keeps instants as UTC text 'YYYY-MM-DD HH:MM:SS…', PostgreSQL as timestamptz
    day = "substr(e.at, 1, 10)" if conn.dialect.name == "sqlite" else "to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    delta = "SUM(CASE WHEN e.kind = 'install' THEN 1 ELSE -1 END)"
    op.execute(
        f"""
        INSERT INTO host_class_daily (class_id, host_id, day, d_installs)
        SELECT tc.class_id, e.host_id, {day}, {delta}
        FROM (SELECT host_id, title_id, kind, at FROM software_events
              UNION ALL SELECT host_id, title_id, kind, at FROM os_events) e
        JOIN title_classes tc ON tc.title_id = e.title_id
        GROUP BY tc.class_id, e.host_id, {day}
        HAVING {delta} <> 0
        """
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_host_class_daily_host_id"), table_name="host_class_daily")
    op.drop_table("host_class_daily")
