"""Host ids and title/name hashes compared byte by byte on PostgreSQL (COLLATE "C"), as SQLite always compares.

Under a libc locale (C.UTF-8, en_US.UTF-8) every comparison of those columns went through strcoll and their sorts
got no abbreviated keys: building host_software's primary key over 5 million links took 45 s instead of 17 s
(README, Performance: totals). No order a user sees changes meaning: they are identifiers, and sorted only to
break ties between equal host names. PostgreSQL rebuilds each index on the columns and checks the foreign keys
again (minutes at 100,000 hosts); SQLite is unchanged.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

HOST_ID_LENGTH = 128
# the referenced key first, then every column that holds a host id
HOST_IDS = [("hosts", "id")] + [(table, "host_id") for table in (
    "host_tags", "host_keys", "tokens", "host_software", "software_events", "reports_seen", "raw_reports",
    "host_interfaces", "host_disks", "host_errors", "host_os", "os_events", "host_classes", "host_totals",
    "host_class_daily")]
HASHES = [("software_titles", "title_key"), ("software_titles", "name_key"), ("unknown_names", "name_key")]


def _collate(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for columns, length in ((HOST_IDS, HOST_ID_LENGTH), (HASHES, 64)):
        for table, column in columns:
            op.alter_column(table, column, type_=sa.String(length, collation=collation))


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate(None)
