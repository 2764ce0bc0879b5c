"""Titles grouped by name, source and publisher (`name_key`), and the maintained unknown counts per group.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 5000


def _name_key(name: str, source: str, publisher) -> str:
    return hashlib.sha256("\0".join((name, source, publisher or "")).encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("software_titles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    titles = sa.table("software_titles", sa.column("id"), sa.column("name"), sa.column("source"),
                      sa.column("publisher"), sa.column("name_key"))
    rows = conn.execute(sa.select(titles.c.id, titles.c.name, titles.c.source, titles.c.publisher)).all()
    update = titles.update().where(titles.c.id == sa.bindparam("tid")).values(name_key=sa.bindparam("key"))
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        conn.execute(update, [{"tid": r.id, "key": _name_key(r.name, r.source, r.publisher)} for r in chunk])
    # left nullable: making it NOT NULL would copy the table on SQLite, which the rows referring to it forbid;
    # every writer sets it (ingest, the benchmarks' fleet builders)
    with op.batch_alter_table("software_titles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_software_titles_name_key"), ["name_key"], unique=False)

    op.create_table(
        "unknown_names",
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("publisher", sa.String(length=512), nullable=True),
        sa.Column("hosts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("installs", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name_key", name=op.f("pk_unknown_names")),
    )
    with op.batch_alter_table("unknown_names", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unknown_names_hosts"), ["hosts"], unique=False)
    # the counts of the inventories already stored, as server.store.aggregates.rebuild derives them
    op.execute(
        """
        INSERT INTO unknown_names (name_key, name, source, publisher, hosts, installs)
        SELECT t.name_key, MAX(t.name), MAX(t.source), MAX(t.publisher), COUNT(DISTINCT s.host_id), COUNT(*)
        FROM host_software s
        JOIN software_titles t ON t.id = s.title_id
        JOIN title_classes tc ON tc.title_id = t.id
        JOIN classes c ON c.id = tc.class_id
        WHERE c.grp = 'unknown' AND NOT c.os_component
        GROUP BY t.name_key
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("unknown_names", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unknown_names_hosts"))
    op.drop_table("unknown_names")
    with op.batch_alter_table("software_titles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_software_titles_name_key"))
        batch_op.drop_column("name_key")
