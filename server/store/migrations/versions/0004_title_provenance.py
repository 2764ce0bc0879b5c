"""Titles keep the evidence of where a package came from: its host's distribution and the report's provenance.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("software_titles", sa.Column("os_id", sa.String(length=64), nullable=True))
    op.add_column("software_titles", sa.Column("provenance", sa.Text(), nullable=True))
    # packages stored before: the distribution of a host that has them (the next reclassification uses it)
    op.execute(
        "UPDATE software_titles SET os_id = (SELECT h.os_distro_id FROM host_software hs JOIN hosts h "
        "ON h.id = hs.host_id WHERE hs.title_id = software_titles.id AND h.os_distro_id IS NOT NULL "
        "ORDER BY h.id LIMIT 1) WHERE source IN ('deb', 'rpm')"
    )


def downgrade() -> None:
    with op.batch_alter_table("software_titles") as batch:
        batch.drop_column("provenance")
        batch.drop_column("os_id")
