"""The day the OS last recorded each install in use (software[].last_used: Windows BAM and UserAssist, macOS
Spotlight), kept per host install so `products --unused-days` and the summary's unused share can count them.
Reports stored before carry none: the column starts empty.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("host_software", sa.Column("last_used", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("host_software") as batch:
        batch.drop_column("last_used")
