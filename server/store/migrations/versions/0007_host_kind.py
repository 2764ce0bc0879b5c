"""Device kind on hosts (computer, phone, tablet) and a phone's security patch level.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hosts") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="computer"))
        batch.add_column(sa.Column("os_security_patch", sa.String(length=32), nullable=True))
        batch.create_index("ix_hosts_kind", ["kind"])


def downgrade() -> None:
    with op.batch_alter_table("hosts") as batch:
        batch.drop_index("ix_hosts_kind")
        batch.drop_column("os_security_patch")
        batch.drop_column("kind")
