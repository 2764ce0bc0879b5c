"""Extensions: each install's browser or IDE, profile and install source on host_software (application and
profile part of its key, so one extension in two browsers or two profiles of one user is two installs), the same
two on software_events, and classes.extension so totals count extensions apart from programs.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

KEY = ["host_id", "title_id", "username"]


def upgrade() -> None:
    with op.batch_alter_table("host_software", recreate="always") as batch:
        batch.add_column(sa.Column("application", sa.String(length=255), nullable=False, server_default=""))
        batch.add_column(sa.Column("profile", sa.String(length=255), nullable=False, server_default=""))
        batch.add_column(sa.Column("install_source", sa.String(length=16), nullable=True))
        batch.drop_constraint("pk_host_software", type_="primary")
        batch.create_primary_key("pk_host_software", KEY + ["application", "profile"])
    with op.batch_alter_table("software_events") as batch:
        batch.add_column(sa.Column("application", sa.String(length=255), nullable=False, server_default=""))
        batch.add_column(sa.Column("profile", sa.String(length=255), nullable=False, server_default=""))
    with op.batch_alter_table("classes") as batch:
        batch.add_column(sa.Column("extension", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("classes") as batch:
        batch.drop_column("extension")
    with op.batch_alter_table("software_events") as batch:
        batch.drop_column("profile")
        batch.drop_column("application")
    op.execute("DELETE FROM host_software WHERE application <> '' OR profile <> ''")
    with op.batch_alter_table("host_software", recreate="always") as batch:
        batch.drop_constraint("pk_host_software", type_="primary")
        batch.create_primary_key("pk_host_software", KEY)
        batch.drop_column("install_source")
        batch.drop_column("profile")
        batch.drop_column("application")
