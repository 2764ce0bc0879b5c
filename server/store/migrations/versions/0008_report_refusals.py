"""The last report the collector refused from each host: when, the HTTP status, the error code and the
detail naming the field, so a machine whose reports are refused is never silently missing.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hosts") as batch:
        batch.add_column(sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("refused_status", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("refused_error", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("refused_detail", sa.String(length=1024), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hosts") as batch:
        batch.drop_column("refused_detail")
        batch.drop_column("refused_error")
        batch.drop_column("refused_status")
        batch.drop_column("refused_at")
