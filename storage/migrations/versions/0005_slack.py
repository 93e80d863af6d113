"""slack installations and oauth state

Revision ID: 0005_slack
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.columns

revision: str = "0005_slack"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> AutoString:
    return AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", _text(64), nullable=False),
        sa.Column("enterprise_id", _text(32), nullable=False),
        sa.Column("team_id", _text(32), nullable=False),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("app_id", _text(32), nullable=False),
        sa.Column("enterprise_name", _text(200), nullable=False),
        sa.Column("team_name", _text(200), nullable=False),
        sa.Column("bot_id", _text(32), nullable=False),
        sa.Column("bot_user_id", _text(32), nullable=False),
        sa.Column("bot_scopes", _text(1000), nullable=False),
        sa.Column("bot_token", _text(255), nullable=True),
        sa.Column("bot_refresh_token", _text(255), nullable=True),
        sa.Column("bot_token_expires_at", storage.columns.UtcDateTime(timezone=True), nullable=True),
        sa.Column("installer_user_id", _text(32), nullable=False),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("status_reason", _text(200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("installed_at", storage.columns.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.columns.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "enterprise_id", "team_id", name="uq_slack_installations_workspace"),
    )
    with op.batch_alter_table("slack_installations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_slack_installations_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "slack_oauth_states",
        sa.Column("state", _text(64), nullable=False),
        sa.Column("expires_at", storage.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )
    with op.batch_alter_table("slack_oauth_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_oauth_states_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_oauth_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_oauth_states_expires_at"))
    op.drop_table("slack_oauth_states")
    with op.batch_alter_table("slack_installations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_installations_organisation_id"))
    op.drop_table("slack_installations")
