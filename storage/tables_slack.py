"""Slack installations, OAuth state and the token-refresh lock.

One row per installed workspace (or Enterprise Grid organisation for an org-wide install), keyed by the
app's client id, the enterprise id and the team id. Absent ids are stored as "" rather than NULL, because
NULLs never collide in a unique constraint and two rows for one workspace must not exist. The row is also
what the token refresh locks (``SELECT ... FOR UPDATE``), so that two processes never spend the same
single-use refresh token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import UtcDateTime


class SlackInstallationRow(SQLModel, table=True):
    __tablename__ = "slack_installations"
    __table_args__ = (
        UniqueConstraint("client_id", "enterprise_id", "team_id", name="uq_slack_installations_workspace"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # "" for the single-workspace mode (SLACK_BOT_TOKEN), whose rows only carry the workspace's status.
    client_id: str = Field(default="", max_length=64)
    enterprise_id: str = Field(default="", max_length=32)
    team_id: str = Field(default="", max_length=32)
    is_enterprise_install: bool = False
    organisation_id: int | None = Field(
        default=None, foreign_key="organisations.id", index=True, ondelete="SET NULL"
    )
    app_id: str = Field(default="", max_length=32)
    enterprise_name: str = Field(default="", max_length=200)
    team_name: str = Field(default="", max_length=200)
    bot_id: str = Field(default="", max_length=32)
    bot_user_id: str = Field(default="", max_length=32)
    bot_scopes: str = Field(default="", max_length=1000)
    bot_token: str | None = Field(default=None, max_length=255)
    bot_refresh_token: str | None = Field(default=None, max_length=255)
    bot_token_expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    installer_user_id: str = Field(default="", max_length=32)
    # active, uninstalled (app_uninstalled / tokens_revoked) or broken (a token Slack no longer accepts).
    status: str = Field(default="active", max_length=16)
    status_reason: str = Field(default="", max_length=200)
    # The rest of what Slack's OAuth answer carried (installer token, incoming webhook, token type), so
    # bolt's Installation round-trips unchanged.
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    installed_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class SlackOAuthStateRow(SQLModel, table=True):
    """The ``state`` of an install in progress: issued by /slack/install, consumed once by the redirect."""

    __tablename__ = "slack_oauth_states"
    state: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)
