"""Classification per distinct title, the host OS as a title, and totals maintained per host, class and day.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_catalog_state")),
    )
    op.create_table(
        "classes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("class_key", sa.String(length=300), nullable=False),
        sa.Column("vendor", sa.String(length=128), server_default="", nullable=False),
        sa.Column("vendor_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("product", sa.String(length=128), server_default="", nullable=False),
        sa.Column("product_name", sa.String(length=255), server_default="", nullable=False),
        sa.Column("category", sa.String(length=64), server_default="", nullable=False),
        sa.Column("country", sa.String(length=2), server_default="", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="unknown", nullable=False),
        sa.Column("license", sa.String(length=16), server_default="", nullable=False),
        sa.Column("grp", sa.String(length=32), server_default="unknown", nullable=False),
        sa.Column("register", sa.String(length=64), server_default="", nullable=False),
        sa.Column("os_component", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classes")),
        sa.UniqueConstraint("class_key", name=op.f("uq_classes_class_key")),
    )
    op.create_table(
        "flag_daily",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("flag", sa.String(length=32), nullable=False),
        sa.Column("d_hosts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", "flag", name=op.f("pk_flag_daily")),
    )
    op.create_table(
        "class_daily",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("d_installs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("d_hosts", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name=op.f("fk_class_daily_class_id_classes")),
        sa.PrimaryKeyConstraint("day", "class_id", name=op.f("pk_class_daily")),
    )
    op.create_table(
        "class_totals",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("installs", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("hosts", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name=op.f("fk_class_totals_class_id_classes")),
        sa.PrimaryKeyConstraint("class_id", name=op.f("pk_class_totals")),
    )
    op.create_table(
        "host_classes",
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("installs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name=op.f("fk_host_classes_class_id_classes")),
        sa.ForeignKeyConstraint(
            ["host_id"], ["hosts.id"], name=op.f("fk_host_classes_host_id_hosts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("host_id", "class_id", name=op.f("pk_host_classes")),
    )
    with op.batch_alter_table("host_classes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_host_classes_class_id"), ["class_id"], unique=False)

    op.create_table(
        "host_os",
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["host_id"], ["hosts.id"], name=op.f("fk_host_os_host_id_hosts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["title_id"], ["software_titles.id"], name=op.f("fk_host_os_title_id_software_titles")),
        sa.PrimaryKeyConstraint("host_id", name=op.f("pk_host_os")),
    )
    op.create_table(
        "host_totals",
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("installs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("domestic", sa.Integer(), server_default="0", nullable=False),
        sa.Column("foreign_proprietary", sa.Integer(), server_default="0", nullable=False),
        sa.Column("foreign_open_source", sa.Integer(), server_default="0", nullable=False),
        sa.Column("unknown", sa.Integer(), server_default="0", nullable=False),
        sa.Column("os_class_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_id"], ["hosts.id"], name=op.f("fk_host_totals_host_id_hosts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("host_id", name=op.f("pk_host_totals")),
    )
    with op.batch_alter_table("host_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_host_totals_foreign_proprietary"), ["foreign_proprietary"], unique=False)

    op.create_table(
        "os_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("initial", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(["host_id"], ["hosts.id"], name=op.f("fk_os_events_host_id_hosts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["title_id"], ["software_titles.id"], name=op.f("fk_os_events_title_id_software_titles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_os_events")),
    )
    with op.batch_alter_table("os_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_os_events_host_id_at"), ["host_id", "at"], unique=False)

    op.create_table(
        "title_classes",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=512), server_default="", nullable=False),
        sa.Column("level", sa.String(length=16), server_default="none", nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name=op.f("fk_title_classes_class_id_classes")),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["software_titles.id"],
            name=op.f("fk_title_classes_title_id_software_titles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("title_id", name=op.f("pk_title_classes")),
    )
    with op.batch_alter_table("title_classes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_title_classes_class_id"), ["class_id"], unique=False)

    with op.batch_alter_table("software_titles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upgrade_code", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("team_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("packager", sa.String(length=512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("software_titles", schema=None) as batch_op:
        batch_op.drop_column("packager")
        batch_op.drop_column("team_id")
        batch_op.drop_column("upgrade_code")

    with op.batch_alter_table("title_classes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_title_classes_class_id"))

    op.drop_table("title_classes")
    with op.batch_alter_table("os_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_os_events_host_id_at"))

    op.drop_table("os_events")
    with op.batch_alter_table("host_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_host_totals_foreign_proprietary"))

    op.drop_table("host_totals")
    op.drop_table("host_os")
    with op.batch_alter_table("host_classes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_host_classes_class_id"))

    op.drop_table("host_classes")
    op.drop_table("class_totals")
    op.drop_table("class_daily")
    op.drop_table("flag_daily")
    op.drop_table("classes")
    op.drop_table("catalog_state")
