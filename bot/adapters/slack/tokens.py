"""Bot tokens per workspace, for requests and for the outbox alike, with token rotation under a lock.

Single-workspace mode uses SLACK_BOT_TOKEN. Multi-workspace mode reads the installation and, when the
token is close to expiry (or Slack refused it), refreshes it while holding a lock on the installation's
row, so two processes never spend the same single-use refresh token (``SqlSlackInstallations``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.config import SlackConfig
from bot.adapters.slack.errors import error_code
from bot.adapters.slack.http import SlackHttp
from bot.ports import Clock
from storage.slack import ACTIVE, BROKEN, SlackWorkspaceRecord, SqlSlackInstallations, TokenGrant

log = logging.getLogger(__name__)

REFRESH_BEFORE: Final = timedelta(minutes=120)  # as bolt: refresh when less than two hours are left
CACHE_SECONDS: Final = 5.0
AUTH_TEST_RETRY_SECONDS: Final = 30.0


@dataclass(frozen=True, slots=True)
class WorkspaceKey:
    """Where a request or a recipient belongs: a workspace, or a Grid organisation (org-wide install)."""

    enterprise_id: str | None = None
    team_id: str | None = None
    is_enterprise_install: bool = False


class WorkspaceUnavailable(Exception):
    """No usable installation: never installed, uninstalled, or a token Slack no longer accepts."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _RefreshRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SlackTokens:
    def __init__(
        self, config: SlackConfig, installations: SqlSlackInstallations, http: SlackHttp, clock: Clock
    ) -> None:
        self._config, self._installations, self._http, self._clock = config, installations, http, clock
        self._cache: dict[WorkspaceKey, tuple[float, SlackWorkspaceRecord | None]] = {}
        self._single: SlackWorkspaceRecord | None = None
        self._single_lock = asyncio.Lock()
        self._single_retry_at = 0.0
        self._single_checked: dict[WorkspaceKey, float] = {}
        self._forgotten = 0  # how many times forget ran: a lookup that overlapped one is not kept
        self.cache_seconds = CACHE_SECONDS

    @property
    def installations(self) -> SqlSlackInstallations:
        return self._installations

    async def workspace(self, key: WorkspaceKey) -> SlackWorkspaceRecord | None:
        """The installation serving ``key`` (its bot ids and token), or None; cached for a few seconds."""
        if not self._config.oauth:
            return await self._single_workspace(key)
        cached = self._cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.cache_seconds:
            return cached[1]
        forgotten = self._forgotten
        found = await self._installations.find(
            client_id=self._config.client_id,
            enterprise_id=key.enterprise_id,
            team_id=key.team_id,
            is_enterprise_install=key.is_enterprise_install,
        )
        if forgotten == self._forgotten:  # not kept if a refresh or an uninstall overlapped the read
            self._cache[key] = (time.monotonic(), found)
        return found

    async def active(self, key: WorkspaceKey) -> SlackWorkspaceRecord | None:
        """The installation serving ``key`` while it is active: whom the app answers at all."""
        found = await self.workspace(key)
        return found if found is not None and found.status == ACTIVE else None

    async def token(self, key: WorkspaceKey, *, refused: str | None = None) -> str:
        """A bot token to call Slack with, refreshed first when it is about to expire.

        ``refused`` is a token Slack just answered invalid_auth to: refresh it unless someone already did.
        Raises WorkspaceUnavailable when there is no token to give.
        """
        if not self._config.oauth:
            await self._single_status(key)
            if refused is not None:
                raise WorkspaceUnavailable("invalid_auth")
            return self._config.bot_token
        found = await self.workspace(key)
        if found is None or found.id is None:
            raise WorkspaceUnavailable("not_installed")
        if found.status != ACTIVE or not found.bot_token:
            raise WorkspaceUnavailable(found.status_reason or found.status)
        if refused is not None and refused == found.bot_token and not found.bot_refresh_token:
            await self.mark(key, status=BROKEN, reason="invalid_auth")  # nothing to refresh it with
            raise WorkspaceUnavailable("invalid_auth")
        if not self._needs_refresh(found, refused):
            return found.bot_token
        return await self._refresh(key, found, refused)

    def forget(self, key: WorkspaceKey | None = None) -> None:
        """Drop cached installations (after an install, an uninstall or a refresh in this process)."""
        self._forgotten += 1
        if key is None:
            self._cache.clear()
            self._single_checked.clear()
        else:
            self._cache.pop(key, None)
            self._single_checked.pop(key, None)

    async def mark(self, key: WorkspaceKey, *, status: str, reason: str) -> None:
        """Record a workspace's status on the installation that serves it (an org-wide one for a Grid
        workspace); in single-workspace mode on a row of its own for the workspace."""
        found = await self.workspace(key) if self._config.oauth else None
        if found is not None and found.id is not None:
            client_id, enterprise_id, team_id = found.client_id, found.enterprise_id, found.team_id
        else:
            client_id, enterprise_id = self._config.installations_key, key.enterprise_id
            team_id = None if key.is_enterprise_install else key.team_id
        await self._installations.mark(
            client_id=client_id,
            enterprise_id=enterprise_id,
            team_id=team_id,
            status=status,
            reason=reason,
            now=self._clock.now(),
        )
        self.forget()
        if status != ACTIVE:
            self._single = None

    def _needs_refresh(self, record: SlackWorkspaceRecord, refused: str | None) -> bool:
        if not record.bot_refresh_token:
            return False
        if refused is not None:
            return record.bot_token == refused
        expires = record.bot_token_expires_at
        return expires is not None and expires - _wall_clock() < REFRESH_BEFORE

    async def _refresh(self, key: WorkspaceKey, found: SlackWorkspaceRecord, refused: str | None) -> str:
        assert found.id is not None
        try:
            fresh = await self._installations.refresh_locked(
                found.id,
                needs_refresh=lambda current: self._needs_refresh(current, refused),
                refresh=self._grant,
                now=self._clock.now(),
            )
        except _RefreshRefused as refusal:
            await self.mark(key, status=BROKEN, reason=f"refresh_{refusal.code}")
            raise WorkspaceUnavailable(f"refresh_{refusal.code}") from None
        self.forget(key)
        if not fresh.bot_token or fresh.bot_token == refused:
            await self.mark(key, status=BROKEN, reason="invalid_auth")
            raise WorkspaceUnavailable("invalid_auth")
        return fresh.bot_token

    async def _grant(self, record: SlackWorkspaceRecord) -> TokenGrant:
        if not record.bot_refresh_token:
            raise _RefreshRefused("no_refresh_token")
        try:
            answer = await self._http.client(None).oauth_v2_access(
                client_id=self._config.client_id,
                client_secret=self._config.client_secret,
                grant_type="refresh_token",
                refresh_token=record.bot_refresh_token,
            )
        except SlackApiError as error:
            code = error_code(error)
            if code.startswith("http_5") or code == "ratelimited":
                raise  # Slack is having trouble: the caller retries later, the refresh token is unspent
            raise _RefreshRefused(code) from None
        log.info("slack: refreshed the bot token of installation %s", record.id)
        expires_in = answer.get("expires_in")
        expires_at = _wall_clock() + timedelta(seconds=int(expires_in)) if expires_in else None
        return TokenGrant(str(answer["access_token"]), answer.get("refresh_token"), expires_at)

    async def _single_workspace(self, key: WorkspaceKey) -> SlackWorkspaceRecord:
        """SLACK_BOT_TOKEN's workspace, asked of auth.test once per process (not once per first request).

        While Slack does not answer, the token alone (without the bot's ids), asked again a little later:
        an acknowledgement must never wait on it."""
        if self._single is not None:
            return self._single
        async with self._single_lock:
            if self._single is None and time.monotonic() >= self._single_retry_at:
                try:
                    self._single = await self._auth_test(key)
                except (SlackApiError, TimeoutError, aiohttp.ClientError) as error:
                    log.warning("slack: auth.test failed (%s); trying again later", type(error).__name__)
                    self._single_retry_at = time.monotonic() + AUTH_TEST_RETRY_SECONDS
        if self._single is not None:
            return self._single
        return SlackWorkspaceRecord(
            client_id="",
            enterprise_id=key.enterprise_id,
            team_id=key.team_id,
            installed_at=self._clock.now(),
            bot_token=self._config.bot_token,
        )

    async def _auth_test(self, key: WorkspaceKey) -> SlackWorkspaceRecord:
        answer = await self._http.client(self._config.bot_token).auth_test()
        return SlackWorkspaceRecord(
            client_id="",
            enterprise_id=answer.get("enterprise_id") or key.enterprise_id,
            team_id=answer.get("team_id") or key.team_id,
            installed_at=self._clock.now(),
            bot_id=str(answer.get("bot_id") or ""),
            bot_user_id=str(answer.get("user_id") or ""),
            bot_token=self._config.bot_token,
            team_name=str(answer.get("team") or ""),
        )

    async def _single_status(self, key: WorkspaceKey) -> None:
        """Single-workspace mode stores only an uninstall. Once the token works again (the app was
        reinstalled and SLACK_BOT_TOKEN replaced), the workspace counts as installed again.

        An installed workspace is looked up at most every ``cache_seconds`` (like an installation in
        OAuth mode), not on every Web API call: answers and the outbox call Slack two or three times a
        message. An uninstall, a revocation or a refused token recorded in this process (``mark``)
        forgets it at once; one recorded by another process is seen within ``cache_seconds``, or
        sooner when Slack refuses the token here. A workspace found uninstalled is never cached."""
        checked = self._single_checked.get(key)
        if checked is not None and time.monotonic() - checked < self.cache_seconds:
            return
        forgotten = self._forgotten
        found = await self._installations.find(
            client_id="", enterprise_id=key.enterprise_id, team_id=key.team_id
        )
        if found is None or found.status == ACTIVE:
            if forgotten == self._forgotten:  # no uninstall recorded here while it was read
                self._single_checked[key] = time.monotonic()
            return
        try:
            self._single = await self._auth_test(key)
        except SlackApiError as error:
            raise WorkspaceUnavailable(found.status_reason or error_code(error)) from None
        await self.mark(key, status=ACTIVE, reason="")


def _wall_clock() -> datetime:
    """Token lifetimes are Slack's real time (bolt stores them so), never the product's simulated clock."""
    return datetime.now(UTC)
