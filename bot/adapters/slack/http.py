"""One HTTP session for every call this process makes to Slack, and the clients built on it."""

from __future__ import annotations

import base64
from typing import Any, Final

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

TIMEOUT_SECONDS: Final = 10
_CACHED_CLIENTS: Final = 256


class SlackHttp:
    """Sharing one ``aiohttp`` session keeps connections open: a new one per call costs about a third.

    Two kinds of client: replies inside a turn retry briefly on their own (slack_sdk's handlers), while the
    outbox's client never retries, because the dispatcher retries with its own backoff and bookkeeping.
    """

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[tuple[str | None, bool], AsyncWebClient] = {}

    @property
    def session(self) -> aiohttp.ClientSession:
        """Opened on first use, inside the running event loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS))
        return self._session

    def client(self, token: str | None, *, retries: bool = False) -> AsyncWebClient:
        key = (token, retries)
        found = self._clients.get(key)
        if found is None or found.session is not self.session:
            if len(self._clients) >= _CACHED_CLIENTS:
                self._clients.clear()
            found = self._clients[key] = OAuthHeaderClient(
                token=token,
                base_url=self.api_url,
                session=self.session,
                timeout=TIMEOUT_SECONDS,
                retry_handlers=_in_turn_retries() if retries else [],
            )
        return found

    def webhook(self, url: str) -> AsyncWebhookClient:
        """For a response_url (replies to slash commands and clicks on ephemeral messages)."""
        return AsyncWebhookClient(
            url, session=self.session, timeout=TIMEOUT_SECONDS, retry_handlers=_in_turn_retries()
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._clients.clear()


def _in_turn_retries() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=1),
        AsyncRateLimitErrorRetryHandler(max_retry_count=1),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ]


class OAuthHeaderClient(AsyncWebClient):
    """oauth.v2.access with the client credentials in an ``Authorization: Basic`` header built here.

    slack_sdk builds it with aiohttp's BasicAuth, which aiohttp 3.14 deprecates (a DeprecationWarning on
    every install and every token refresh). The request Slack receives is the same."""

    async def oauth_v2_access(
        self, *, client_id: str, client_secret: str, **kwargs: Any
    ) -> AsyncSlackResponse:
        credentials = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        data = {key: value for key, value in kwargs.items() if value is not None}
        return await self.api_call(
            "oauth.v2.access", data=data, headers={"Authorization": f"Basic {credentials}"}
        )
