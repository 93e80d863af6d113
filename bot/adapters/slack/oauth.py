"""Multi-workspace installs: bolt's OAuth flow on our own tables (slack_sdk's SQLAlchemy stores are sync).

``/slack/install`` issues a ``state`` and sends the installer to Slack; ``/slack/oauth_redirect`` takes
the code back, exchanges it (oauth.v2.access), stores the installation and links it to the organisation
an operator mapped the team (or its Enterprise Grid organisation) to. An unmapped workspace is installed
but refused politely until someone runs ``remm-bot org link``.
"""

from __future__ import annotations

import html
import logging
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from logging import Logger
from typing import Any, Final

from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.adapters.slack.config import BOT_SCOPES, SlackConfig
from bot.adapters.slack.http import SlackHttp
from bot.adapters.slack.people import SlackPeople
from bot.adapters.slack.tokens import SlackTokens, WorkspaceKey
from bot.i18n import Locale, text
from bot.ports import Clock
from storage.slack import ACTIVE, UNINSTALLED, SlackWorkspaceRecord, SqlSlackStates

log = logging.getLogger(__name__)

INSTALL_PATH: Final = "/slack/install"
REDIRECT_PATH: Final = "/slack/oauth_redirect"
STATE_SECONDS: Final = 600
_STANDARD: Final = frozenset(
    {
        "app_id", "enterprise_id", "enterprise_name", "team_id", "team_name", "bot_token", "bot_id",
        "bot_user_id", "bot_scopes", "bot_refresh_token", "bot_token_expires_at", "user_id",
        "is_enterprise_install", "installed_at",
    }
)  # fmt: skip


def to_record(installation: Installation, *, client_id: str) -> SlackWorkspaceRecord:
    data = installation.to_dict()
    expires = installation.bot_token_expires_at
    return SlackWorkspaceRecord(
        client_id=client_id,
        enterprise_id=installation.enterprise_id,
        team_id=None if installation.is_enterprise_install else installation.team_id,
        installed_at=datetime.fromtimestamp(installation.installed_at, UTC),
        is_enterprise_install=bool(installation.is_enterprise_install),
        app_id=installation.app_id or "",
        enterprise_name=installation.enterprise_name or "",
        team_name=installation.team_name or "",
        bot_id=installation.bot_id or "",
        bot_user_id=installation.bot_user_id or "",
        bot_scopes=tuple(installation.bot_scopes or ()),
        bot_token=installation.bot_token,
        bot_refresh_token=installation.bot_refresh_token,
        bot_token_expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
        installer_user_id=installation.user_id or "",
        details={k: _json(v) for k, v in data.items() if k not in _STANDARD and v is not None},
    )


def to_installation(record: SlackWorkspaceRecord) -> Installation:
    expires = record.bot_token_expires_at
    details = dict(record.details)
    return Installation(
        app_id=record.app_id or None,
        enterprise_id=record.enterprise_id,
        enterprise_name=record.enterprise_name or None,
        team_id=record.team_id,
        team_name=record.team_name or None,
        bot_token=record.bot_token,
        bot_id=record.bot_id or None,
        bot_user_id=record.bot_user_id or None,
        bot_scopes=list(record.bot_scopes),
        bot_refresh_token=record.bot_refresh_token,
        bot_token_expires_at=int(expires.timestamp()) if expires else None,
        user_id=record.installer_user_id,
        is_enterprise_install=record.is_enterprise_install,
        installed_at=record.installed_at.timestamp(),
        user_token=details.pop("user_token", None),
        user_scopes=details.pop("user_scopes", None) or "",
        user_refresh_token=details.pop("user_refresh_token", None),
        enterprise_url=details.pop("enterprise_url", None),
        incoming_webhook_url=details.pop("incoming_webhook_url", None),
        incoming_webhook_channel=details.pop("incoming_webhook_channel", None),
        incoming_webhook_channel_id=details.pop("incoming_webhook_channel_id", None),
        incoming_webhook_configuration_url=details.pop("incoming_webhook_configuration_url", None),
        token_type=details.pop("token_type", None),
    )


class SqlInstallationStore(AsyncInstallationStore):
    """bolt's installation store on ``slack_installations``; an install is linked to its organisation."""

    def __init__(self, config: SlackConfig, tokens: SlackTokens, people: SlackPeople, clock: Clock) -> None:
        self._config, self._tokens, self._people, self._clock = config, tokens, people, clock
        self._installations = tokens.installations

    @property
    def logger(self) -> Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        record = to_record(installation, client_id=self._config.client_id)
        key = WorkspaceKey(record.enterprise_id, record.team_id, record.is_enterprise_install)
        organisation = await self._people.linked_organisation(key)
        linked = replace(record, organisation_id=organisation.id if organisation else None)
        saved = await self._installations.save(linked, now=self._clock.now())
        self._tokens.forget()
        where = saved.team_id or saved.enterprise_id
        log.info("slack: installed in %s (organisation %s)", where, saved.organisation_id)

    async def async_save_bot(self, bot: Bot) -> None:
        await self.async_save(Installation(user_id="", **_bot_fields(bot)))

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = await self._tokens.workspace(
            WorkspaceKey(enterprise_id, team_id, bool(is_enterprise_install))
        )
        return to_installation(found) if found is not None and found.status == ACTIVE else None

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        found = await self.async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return found.to_bot() if found is not None else None

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:  # a user's own tokens are not kept; only the workspace's install matters
            await self._tokens.mark(
                WorkspaceKey(enterprise_id, team_id), status=UNINSTALLED, reason="deleted"
            )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._tokens.mark(WorkspaceKey(enterprise_id, team_id), status=UNINSTALLED, reason="deleted")

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class SqlStateStore(AsyncOAuthStateStore):
    def __init__(self, states: SqlSlackStates, clock: Clock) -> None:
        self._states, self._clock = states, clock

    @property
    def logger(self) -> Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        now = self._clock.now()
        await self._states.issue(state, expires_at=now + timedelta(seconds=STATE_SECONDS), now=now)
        return state

    async def async_consume(self, state: str) -> bool:
        return bool(state) and await self._states.consume(state, now=self._clock.now())


def oauth_flow(
    config: SlackConfig,
    http: SlackHttp,
    store: SqlInstallationStore,
    states: SqlStateStore,
    people: SlackPeople,
) -> AsyncOAuthFlow:
    """Everything passed explicitly: bolt would otherwise read SLACK_* variables and files by itself."""
    pages = InstallPages(config.locale, people)
    settings = AsyncOAuthSettings(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=f"{config.public_url}{REDIRECT_PATH}" if config.public_url else None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        state_store=states,
        state_expiration_seconds=STATE_SECONDS,
        callback_options=AsyncCallbackOptions(success=pages.success, failure=pages.failure),
        logger=log,
    )
    return AsyncOAuthFlow(client=http.client(None, retries=True), logger=log, settings=settings)


class InstallPages:
    """What the installer's browser shows after Slack sends it back."""

    def __init__(self, locale: Locale, people: SlackPeople) -> None:
        self._locale, self._people = locale, people

    async def success(self, args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        key = WorkspaceKey(
            installation.enterprise_id, installation.team_id, bool(installation.is_enterprise_install)
        )
        workspace = installation.team_name or installation.enterprise_name or installation.team_id or ""
        organisation = await self._people.linked_organisation(key)
        if organisation is not None:
            message = text(
                "slack.install.linked", self._locale, workspace=workspace, organisation=organisation.name
            )
        else:
            grid = bool(installation.is_enterprise_install)
            message = text(
                "slack.install.unlinked",
                self._locale,
                workspace=workspace,
                kind="slack_enterprise" if grid else "slack_team",
                id=(installation.enterprise_id if grid else installation.team_id) or "",
            )
        return _page(200, message, args.settings.state_utils.build_set_cookie_for_deletion())

    async def failure(self, args: AsyncFailureArgs) -> BoltResponse:
        log.info("slack: an install failed: %s", args.reason)
        message = text("slack.install.failed", self._locale, reason=args.reason)
        return _page(
            args.suggested_status_code, message, args.settings.state_utils.build_set_cookie_for_deletion()
        )


def _page(status: int, message: str, cookie: str) -> BoltResponse:
    body = (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>remm-bot</title></head>'
        f"<body><main><h1>remm-bot</h1><p>{html.escape(message)}</p></main></body></html>"
    )
    return BoltResponse(
        status=status, body=body, headers={"Content-Type": "text/html; charset=utf-8", "Set-Cookie": cookie}
    )


def _bot_fields(bot: Bot) -> dict[str, Any]:
    return {
        "app_id": bot.app_id,
        "enterprise_id": bot.enterprise_id,
        "enterprise_name": bot.enterprise_name,
        "team_id": bot.team_id,
        "team_name": bot.team_name,
        "bot_token": bot.bot_token,
        "bot_id": bot.bot_id,
        "bot_user_id": bot.bot_user_id,
        "bot_scopes": bot.bot_scopes,
        "bot_refresh_token": bot.bot_refresh_token,
        "bot_token_expires_at": bot.bot_token_expires_at,
        "is_enterprise_install": bot.is_enterprise_install,
        "installed_at": bot.installed_at,
    }


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
