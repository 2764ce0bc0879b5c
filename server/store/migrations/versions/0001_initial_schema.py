"""Initial schema: hosts, keys, tokens, titles, host software, events, idempotency, audit copies.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", "shard", name=op.f("pk_counters")),
    )
    op.create_table(
        "hosts",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("id_source", sa.String(length=64), nullable=True),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("fqdn", sa.String(length=255), nullable=True),
        sa.Column("os_family", sa.String(length=32), nullable=True),
        sa.Column("os_name", sa.String(length=255), nullable=True),
        sa.Column("os_version", sa.String(length=128), nullable=True),
        sa.Column("os_distro_id", sa.String(length=64), nullable=True),
        sa.Column("os_id_like", sa.String(length=255), nullable=True),
        sa.Column("os_codename", sa.String(length=128), nullable=True),
        sa.Column("os_kernel", sa.String(length=255), nullable=True),
        sa.Column("os_arch", sa.String(length=32), nullable=True),
        sa.Column("os_build", sa.String(length=64), nullable=True),
        sa.Column("os_product_name", sa.String(length=255), nullable=True),
        sa.Column("os_display_version", sa.String(length=64), nullable=True),
        sa.Column("cpu_model", sa.String(length=255), nullable=True),
        sa.Column("cpu_cores", sa.Integer(), nullable=True),
        sa.Column("cpu_threads", sa.Integer(), nullable=True),
        sa.Column("memory_bytes", sa.BigInteger(), nullable=True),
        sa.Column("hw_vendor", sa.String(length=255), nullable=True),
        sa.Column("hw_model", sa.String(length=255), nullable=True),
        sa.Column("hw_serial", sa.String(length=255), nullable=True),
        sa.Column("boot_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agent_version", sa.String(length=64), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_report_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("inventory_hash", sa.String(length=64), nullable=True),
        sa.Column("software_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revoked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosts")),
    )
    op.create_index(op.f("ix_hosts_hostname"), "hosts", ["hostname"], unique=False)
    op.create_index(op.f("ix_hosts_last_seen"), "hosts", ["last_seen"], unique=False)
    op.create_index(
        op.f("ix_hosts_os_family_os_distro_id"),
        "hosts",
        ["os_family", "os_distro_id"],
        unique=False,
    )

    op.create_table(
        "reports_seen",
        sa.Column("report_id", sa.String(length=64), nullable=False),
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_reports_seen")),
    )
    op.create_index(
        op.f("ix_reports_seen_received_at"), "reports_seen", ["received_at"], unique=False
    )

    op.create_table(
        "software_titles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("version", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("publisher", sa.String(length=512), nullable=True),
        sa.Column("arch", sa.String(length=32), nullable=True),
        sa.Column("package_id", sa.String(length=512), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_software_titles")),
        sa.UniqueConstraint("title_key", name=op.f("uq_software_titles_title_key")),
    )
    op.create_index(op.f("ix_software_titles_name"), "software_titles", ["name"], unique=False)
    op.create_index(
        op.f("ix_software_titles_source_name"), "software_titles", ["source", "name"], unique=False
    )

    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("read_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
    )
    op.create_table(
        "host_disks",
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=255), nullable=True),
        sa.Column("mount", sa.String(length=1024), nullable=True),
        sa.Column("fstype", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_id"], ["hosts.id"], name=op.f("fk_host_disks_host_id_hosts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("host_id", "position", name=op.f("pk_host_disks")),
    )
    op.create_table(
        "host_interfaces",
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=True),
        sa.Column("addresses", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["hosts.id"],
            name=op.f("fk_host_interfaces_host_id_hosts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("host_id", "position", name=op.f("pk_host_interfaces")),
    )
    op.create_table(
        "host_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_id"], ["hosts.id"], name=op.f("fk_host_keys_host_id_hosts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_host_keys_key_hash")),
    )
    op.create_index(op.f("ix_host_keys_host_id"), "host_keys", ["host_id"], unique=False)

    op.create_table(
        "host_software",
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=255), server_default="", nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=True),
        sa.Column("install_date", sa.String(length=32), nullable=True),
        sa.Column("location", sa.String(length=1024), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["hosts.id"],
            name=op.f("fk_host_software_host_id_hosts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["software_titles.id"],
            name=op.f("fk_host_software_title_id_software_titles"),
        ),
        sa.PrimaryKeyConstraint("host_id", "title_id", "username", name=op.f("pk_host_software")),
    )
    op.create_index(
        op.f("ix_host_software_title_id_host_id"),
        "host_software",
        ["title_id", "host_id"],
        unique=False,
    )

    op.create_table(
        "host_tags",
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["hosts.id"], name=op.f("fk_host_tags_host_id_hosts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("host_id", "key", name=op.f("pk_host_tags")),
    )
    op.create_index(op.f("ix_host_tags_key_value"), "host_tags", ["key", "value"], unique=False)

    op.create_table(
        "raw_reports",
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("report_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["hosts.id"], name=op.f("fk_raw_reports_host_id_hosts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("host_id", name=op.f("pk_raw_reports")),
    )
    op.create_table(
        "software_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("host_id", sa.String(length=128), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=255), server_default="", nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("initial", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("report_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["hosts.id"],
            name=op.f("fk_software_events_host_id_hosts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["software_titles.id"],
            name=op.f("fk_software_events_title_id_software_titles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_software_events")),
    )
    op.create_index(op.f("ix_software_events_at"), "software_events", ["at"], unique=False)
    op.create_index(
        op.f("ix_software_events_host_id_at"), "software_events", ["host_id", "at"], unique=False
    )
    op.create_index(
        op.f("ix_software_events_title_id_at"), "software_events", ["title_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_software_events_title_id_at"), "software_events")
    op.drop_index(op.f("ix_software_events_host_id_at"), "software_events")
    op.drop_index(op.f("ix_software_events_at"), "software_events")

    op.drop_table("software_events")
    op.drop_table("raw_reports")
    op.drop_index(op.f("ix_host_tags_key_value"), "host_tags")

    op.drop_table("host_tags")
    op.drop_index(op.f("ix_host_software_title_id_host_id"), "host_software")

    op.drop_table("host_software")
    op.drop_index(op.f("ix_host_keys_host_id"), "host_keys")

    op.drop_table("host_keys")
    op.drop_table("host_interfaces")
    op.drop_table("host_disks")
    op.drop_table("tokens")
    op.drop_index(op.f("ix_software_titles_source_name"), "software_titles")
    op.drop_index(op.f("ix_software_titles_name"), "software_titles")

    op.drop_table("software_titles")
    op.drop_index(op.f("ix_reports_seen_received_at"), "reports_seen")

    op.drop_table("reports_seen")
    op.drop_index(op.f("ix_hosts_os_family_os_distro_id"), "hosts")
    op.drop_index(op.f("ix_hosts_last_seen"), "hosts")
    op.drop_index(op.f("ix_hosts_hostname"), "hosts")

    op.drop_table("hosts")
    op.drop_table("counters")
