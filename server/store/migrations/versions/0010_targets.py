"""Migration targets: the target, its milestones, and the history of every change to one.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("remove_kind", sa.String(32), nullable=False),
        sa.Column("remove_value", sa.String(128), nullable=False, server_default=""),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("tags", sa.Text, nullable=False, server_default="[]"),
        sa.Column("os", sa.String(64)),
        sa.Column("kind", sa.String(16)),
        sa.Column("stale_days", sa.Integer),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_targets"),
        sa.UniqueConstraint("name", name="uq_targets_name"),
    )
    op.create_table(
        "target_milestones",
        sa.Column("target_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("share", sa.Float, nullable=False),
        sa.Column("tags", sa.Text, nullable=False, server_default="[]"),
        sa.PrimaryKeyConstraint("target_id", "position", name="pk_target_milestones"),
        sa.ForeignKeyConstraint(["target_id"], ["targets.id"], ondelete="CASCADE",
                                name="fk_target_milestones_target_id_targets"),
    )
    op.create_table(
        "target_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("token_id", sa.Integer),
        sa.Column("who", sa.String(300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before", sa.Text),
        sa.Column("after", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_target_changes"),
    )
    op.create_index("ix_target_changes_target", "target_changes", ["target"])


def downgrade() -> None:
    op.drop_index("ix_target_changes_target", "target_changes")
    op.drop_table("target_changes")
    op.drop_table("target_milestones")
    op.drop_table("targets")
