"""One Slack Web API call with a workspace's token, and Slack's errors turned into the neutral ones.

A refused token (invalid_auth) is refreshed once when it rotates; otherwise the installation is marked
broken. Rate limits become RateLimited, a person Slack cannot reach RecipientUnreachable (with Slack's
reason), and everything passing (5xx, time-outs) DeliveryFailed, so the outbox knows what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.errors import AUTH, REVOKED, UNREACHABLE, error_code, retry_after
from bot.adapters.slack.http import SlackHttp
from bot.adapters.slack.tokens import SlackTokens, WorkspaceKey, WorkspaceUnavailable
from bot.ports import DeliveryFailed, RateLimited, RecipientUnreachable
from storage.slack import BROKEN, UNINSTALLED

log = logging.getLogger(__name__)
T = TypeVar("T")


class SlackCalls:
    def __init__(self, tokens: SlackTokens, http: SlackHttp, *, retries: bool) -> None:
        """``retries``: slack_sdk retries briefly by itself (in a turn); never for the outbox."""
        self.tokens, self.http, self._retries = tokens, http, retries

    async def __call__(self, workspace: WorkspaceKey, call: Callable[[AsyncWebClient], Awaitable[T]]) -> T:
        refused: str | None = None
        for _attempt in range(2):
            try:
                token = await self.tokens.token(workspace, refused=refused)
            except WorkspaceUnavailable as gone:
                raise RecipientUnreachable(f"slack:{gone.reason}") from None
            except SlackApiError as error:  # Slack failed while refreshing: try again later
                raise DeliveryFailed(f"slack:refresh:{error_code(error)}") from None
            except (TimeoutError, aiohttp.ClientError) as error:
                raise DeliveryFailed(f"slack:network:{type(error).__name__}") from None
            try:
                return await call(self.http.client(token, retries=self._retries))
            except SlackApiError as error:
                code = error_code(error)
                if code not in AUTH:
                    raise await self._neutral(workspace, error, code) from None
                refused = token
            except (TimeoutError, aiohttp.ClientError) as error:
                raise DeliveryFailed(f"slack:network:{type(error).__name__}") from None
        await self.tokens.mark(workspace, status=BROKEN, reason="invalid_auth")
        raise RecipientUnreachable("slack:invalid_auth")

    async def _neutral(self, workspace: WorkspaceKey, error: SlackApiError, code: str) -> Exception:
        wait = retry_after(error)
        if wait is not None:
            return RateLimited(wait)
        if code in REVOKED:
            await self.tokens.mark(workspace, status=UNINSTALLED, reason=code)
            return RecipientUnreachable(f"slack:{code}")
        if code in UNREACHABLE:
            return RecipientUnreachable(f"slack:{code}")
        log.info("slack call failed: %s", code)
        return DeliveryFailed(f"slack:{code}")
