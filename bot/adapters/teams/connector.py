"""HTTP to the Bot Connector: one shared aiohttp session and one token cache for every turn and every send.

The SDK opens a new ``ClientSession`` (and asks MSAL for a token on a worker thread) for every turn and
closes it afterwards. ``PooledClientFactory`` hands the SDK's own connector clients a view of one shared
session instead, whose ``close()`` leaves it open, and tokens from ``CachedTokens``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from typing import Any, Final, Protocol

import jwt
from aiohttp import ClientSession, ClientTimeout
from microsoft_agents.hosting.core import AccessTokenProviderBase, OutboundHostValidator, TurnContext
from microsoft_agents.hosting.core.authorization import AuthenticationConstants, ClaimsIdentity
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from yarl import URL

log = logging.getLogger(__name__)

CONNECTOR_SCOPE: Final = AuthenticationConstants.AGENTS_SDK_SCOPE
TIMEOUT: Final = ClientTimeout(total=20, connect=5)
_EARLY_REFRESH_SECONDS: Final = 300.0
_FALLBACK_LIFETIME_SECONDS: Final = 600.0


class TokenSource(Protocol):
    """Bearer tokens for the Bot Connector; an empty string means none is sent (anonymous mode)."""

    async def token(self, *, refresh: bool = False) -> str: ...


class NoTokens:
    async def token(self, *, refresh: bool = False) -> str:
        return ""


class CachedTokens:
    """Keeps the app's connector token until shortly before it expires; one fetch at a time."""

    def __init__(self, provider: AccessTokenProviderBase, *, now: Callable[[], float] = time.time) -> None:
        self._provider, self._now = provider, now
        self._token, self._until = "", 0.0
        self._lock = asyncio.Lock()

    async def token(self, *, refresh: bool = False) -> str:
        if self._token and not refresh and self._now() < self._until:
            return self._token
        async with self._lock:
            if self._token and not refresh and self._now() < self._until:
                return self._token
            token = await self._provider.get_access_token(CONNECTOR_SCOPE, [f"{CONNECTOR_SCOPE}/.default"])
            self._token, self._until = token, self._now() + _lifetime(token, self._now())
            return token


def _lifetime(token: str, now: float) -> float:
    try:
        expires = float(jwt.decode(token, options={"verify_signature": False}).get("exp", 0))
    except (jwt.PyJWTError, ValueError, TypeError):
        return _FALLBACK_LIFETIME_SECONDS
    return max(0.0, expires - now - _EARLY_REFRESH_SECONDS)


class ConnectorHttp:
    """The process's one HTTP session to the connector, opened on first use inside the event loop.

    With a host validator (production binds) the session refuses loopback and private addresses and the
    validator's hosts are the only service URLs accepted."""

    def __init__(self, *, validator: OutboundHostValidator | None = None) -> None:
        self._validator = validator
        self._session: ClientSession | None = None
        self.closed = False

    def session(self) -> ClientSession:
        if self.closed:
            raise ConnectionError("the Teams connector session is closed (shutting down)")
        if self._session is None:
            options: dict[str, Any] = {"timeout": TIMEOUT}
            self._session = (
                self._validator.client(options) if self._validator is not None else ClientSession(**options)
            )
        return self._session

    def allows(self, service_url: str) -> bool:
        return self._validator is None or self._validator.is_allowed(service_url)

    def view(self, base_url: str) -> SessionView:
        return SessionView(self.session(), base_url)

    async def close(self) -> None:
        self.closed = True
        if self._session is not None:
            await self._session.close()


class SessionView:
    """What one SDK client sees as its session: the shared one, with its own headers and base address,
    and a ``close()`` that leaves the shared session open for the next turn."""

    def __init__(self, session: ClientSession, base_url: str) -> None:
        self._session = session
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self._base_url = URL(self._base)
        self.headers: dict[str, str] = {}
        self.closed = False

    def request(self, method: str, url: str | URL, **kwargs: Any) -> Any:
        headers = {**self.headers, **(kwargs.pop("headers", None) or {})}
        target = str(url)
        if not target.startswith(("http://", "https://")):
            target = self._base + target.lstrip("/")
        return self._session.request(method, target, headers=headers, **kwargs)

    def get(self, url: str | URL, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str | URL, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str | URL, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str | URL, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)

    def patch(self, url: str | URL, **kwargs: Any) -> Any:
        return self.request("PATCH", url, **kwargs)

    async def close(self) -> None:
        """The shared session outlives every client that borrowed it."""


class PooledClientFactory:
    """The SDK's ChannelServiceClientFactoryBase over the shared session and the token cache."""

    def __init__(self, http: ConnectorHttp, tokens: TokenSource, *, app_id: str) -> None:
        self._http, self._tokens, self._app_id = http, tokens, app_id
        self._user_tokens: UserTokenClient | None = None

    async def create_connector_client(
        self,
        context: TurnContext | None,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> TeamsConnectorClient:
        if not service_url:
            raise TypeError("the activity has no serviceUrl to answer at")
        token = "" if use_anonymous else await self._tokens.token()
        return connector_client(self._http, service_url, token)

    async def create_user_token_client(
        self, context: TurnContext, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClient:
        """The bot uses no user sign-in; one client with no token serves every turn."""
        if self._user_tokens is None:
            view = self._http.view(AuthenticationConstants.AGENTS_SDK_OAUTH_URL)
            self._user_tokens = UserTokenClient(
                app_id=self._app_id or "anonymous",
                endpoint=AuthenticationConstants.AGENTS_SDK_OAUTH_URL,
                token="",
                session=view,  # type: ignore[arg-type]
            )
        return self._user_tokens


def connector_client(http: ConnectorHttp, service_url: str, token: str) -> TeamsConnectorClient:
    return TeamsConnectorClient(endpoint=service_url, token=token, session=http.view(service_url))  # type: ignore[arg-type]


@functools.cache
def tune_sdk() -> None:
    """Cache the SDK's product string: it reads package metadata from disk for every client it builds
    (twice a turn), which cost about 40 % of a turn's throughput here (sdk-notes)."""
    from microsoft_agents.hosting.core.connector.client import connector_client as sdk_connector
    from microsoft_agents.hosting.core.connector.client import user_token_client as sdk_user_tokens

    cached = functools.cache(sdk_connector.get_product_info)  # type: ignore[attr-defined]
    sdk_connector.get_product_info = cached  # type: ignore[attr-defined]
    sdk_user_tokens.get_product_info = cached  # type: ignore[attr-defined]
