"""Report ids unique per host, not across the fleet; one-time re-enrollment allowances on tokens.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports_seen", recreate="always") as batch:
        batch.drop_constraint("pk_reports_seen", type_="primary")
        batch.create_primary_key("pk_reports_seen", ["host_id", "report_id"])
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("host_id", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("used_at")
        batch.drop_column("created_by")
        batch.drop_column("host_id")
    with op.batch_alter_table("reports_seen", recreate="always") as batch:
        batch.drop_constraint("pk_reports_seen", type_="primary")
        batch.create_primary_key("pk_reports_seen", ["report_id"])
