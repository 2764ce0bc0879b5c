"""The installs that carry a last use, indexed apart (partial index: host id and day where a day is recorded), so
the summary finds the hosts that record last use without reading every install (10,000 hosts: 2.4 s -> see
README) and a fleet where none records it pays nothing.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

RECORDED = sa.text("last_used IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_host_software_host_id_last_used", "host_software", ["host_id", "last_used"],
                    sqlite_where=RECORDED, postgresql_where=RECORDED)


def downgrade() -> None:
    op.drop_index("ix_host_software_host_id_last_used", table_name="host_software")
