"""Two maintained aggregates the summary reads instead of scanning installs (100,000 hosts on PostgreSQL: see
README, "Performance: totals"): the hosts per vendor (`vendor_totals`: any of its classes, its programs, its
extensions), so a vendor with several products counts its hosts without probing every host; and, for the
"not used in N days" share, whether each host records last use (`host_totals.recording`) and the installs of
those hosts per class and day of last use (`usage_totals`). Filled from the stored rows, as
server.store.aggregates.rebuild derives them.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor_totals",
        sa.Column("vendor", sa.String(length=128), nullable=False),
        sa.Column("hosts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("program_hosts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("extension_hosts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("vendor", name=op.f("pk_vendor_totals")),
    )
    op.execute(
        """
        INSERT INTO vendor_totals (vendor, hosts, program_hosts, extension_hosts)
        SELECT c.vendor, COUNT(DISTINCT hc.host_id),
               COUNT(DISTINCT CASE WHEN NOT c.extension THEN hc.host_id END),
               COUNT(DISTINCT CASE WHEN c.extension THEN hc.host_id END)
        FROM host_classes hc
        JOIN classes c ON c.id = hc.class_id
        WHERE NOT c.os_component
        GROUP BY c.vendor
        """
    )
    op.add_column("host_totals", sa.Column("recording", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        """
        UPDATE host_totals SET recording = EXISTS (
            SELECT 1 FROM host_software s WHERE s.host_id = host_totals.host_id AND s.last_used IS NOT NULL)
        """
    )
    op.create_table(
        "usage_totals",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("installs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name=op.f("fk_usage_totals_class_id_classes")),
        sa.PrimaryKeyConstraint("class_id", "day", name=op.f("pk_usage_totals")),
    )
    # the day as ISO text: SQLite keeps dates as 'YYYY-MM-DD' already, PostgreSQL as date
    day = "s.last_used" if op.get_bind().dialect.name == "sqlite" else "to_char(s.last_used, 'YYYY-MM-DD')"
    op.execute(
        f"""
        INSERT INTO usage_totals (class_id, day, installs)
        SELECT tc.class_id, COALESCE({day}, ''), COUNT(*)
        FROM host_software s
        JOIN title_classes tc ON tc.title_id = s.title_id
        WHERE s.host_id IN (SELECT host_id FROM host_totals WHERE recording)
        GROUP BY tc.class_id, COALESCE({day}, '')
        """
    )


def downgrade() -> None:
    op.drop_table("usage_totals")
    with op.batch_alter_table("host_totals") as batch:
        batch.drop_column("recording")
    op.drop_table("vendor_totals")
