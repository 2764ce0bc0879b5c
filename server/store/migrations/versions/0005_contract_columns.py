"""Columns as long as the report contract allows (agent/contract.py), so PostgreSQL stores every valid report.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, column, old length, new length)
WIDENED = [
    ("hosts", "os_build", 64, 80),
    ("hosts", "os_id_like", 255, 1040),
    ("software_titles", "upgrade_code", 64, 1024),
    ("software_titles", "team_id", 32, 1024),
    ("software_titles", "packager", 512, 1024),
]


def _alter(to_new: bool) -> None:
    for table in dict.fromkeys(t for t, *_ in WIDENED):
        with op.batch_alter_table(table) as batch:
            for name, column, old, new in WIDENED:
                if name == table:
                    batch.alter_column(column, existing_type=sa.String(old if to_new else new),
                                       type_=sa.String(new if to_new else old), existing_nullable=True)


def upgrade() -> None:
    _alter(True)


def downgrade() -> None:
    _alter(False)
