"""Access tokens for app-only Graph and for a Google service account with domain-wide delegation.

Graph: the OAuth 2.0 client-credentials grant (RFC 6749 4.4) is one form POST, done here on our own
aiohttp session. MSAL was tried first and left out: ``ConfidentialClientApplication`` accepts only an
https authority (so a loopback fake would need TLS and a certificate plumbed into ``requests``), performs
OIDC tenant discovery on construction, and is synchronous (each token fetch would block the event loop
or need a thread). The token endpoint is ``{GRAPH_TOKEN_URL}/{tenant}/oauth2/v2.0/token``, as MSAL uses.

Google: a JWT assertion signed RS256 with the service account's key (``sub`` = the user acted for),
exchanged at GOOGLE_TOKEN_URL (RFC 7523).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import jwt

from bot.adapters.calendars.http import HttpClient
from bot.ingest.ports import ProviderError
from bot.ports import Clock

GRAPH_SCOPE: Final = "https://graph.microsoft.com/.default"
JWT_BEARER: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# A token is renewed this long before it expires, so a request never carries one that runs out mid-way.
MARGIN: Final = timedelta(minutes=5)


class _Cached:
    def __init__(self) -> None:
        self.tokens: dict[tuple[str, ...], tuple[str, datetime]] = {}
        self.locks: dict[tuple[str, ...], asyncio.Lock] = {}

    def fresh(self, key: tuple[str, ...], now: datetime) -> str | None:
        found = self.tokens.get(key)
        return found[0] if found and found[1] - MARGIN > now else None

    def lock(self, key: tuple[str, ...]) -> asyncio.Lock:
        return self.locks.setdefault(key, asyncio.Lock())


def _token(answer: Mapping[str, Any], now: datetime) -> tuple[str, datetime]:
    token, lifetime = answer.get("access_token"), answer.get("expires_in", 3600)
    if not isinstance(token, str) or not token:
        raise ProviderError(200, "the token endpoint answered without an access_token")
    try:
        seconds = int(lifetime)
    except (TypeError, ValueError):
        seconds = 3600
    return token, now + timedelta(seconds=max(60, seconds))


class ClientCredentials:
    """App-only tokens for one (tenant, client id); cached until five minutes before they expire."""

    def __init__(
        self, http: HttpClient, *, token_url: str, tenant: str, client_id: str, secret: str, clock: Clock
    ) -> None:
        self._http, self._clock, self._cache = http, clock, _Cached()
        self._url = f"{token_url.rstrip('/')}/{tenant}/oauth2/v2.0/token"
        self._form = {
            "client_id": client_id,
            "client_secret": secret,
            "scope": GRAPH_SCOPE,
            "grant_type": "client_credentials",
        }

    async def token(self) -> str:
        key = ("graph",)
        if found := self._cache.fresh(key, self._clock.now()):
            return found
        async with self._cache.lock(key):
            if found := self._cache.fresh(key, self._clock.now()):
                return found
            answer = await self._http.request("POST", self._url, form=self._form)
            token, expires = _token(answer.json(), self._clock.now())
            self._cache.tokens[key] = (token, expires)
            return token


class ServiceAccount:
    """Tokens for a Google service account acting as a user of the domain (domain-wide delegation)."""

    def __init__(self, http: HttpClient, *, token_url: str, key: Mapping[str, Any], clock: Clock) -> None:
        for name in ("client_email", "private_key"):
            if not isinstance(key.get(name), str) or not key[name]:
                raise ValueError(f"the service account key has no {name}")
        self._http, self._url, self._clock, self._cache = http, token_url, clock, _Cached()
        self._email, self._private_key = str(key["client_email"]), str(key["private_key"])
        self._key_id = str(key.get("private_key_id") or "")

    def assertion(self, subject: str, scopes: Sequence[str], now: datetime) -> str:
        issued = int(now.timestamp())
        claims = {
            "iss": self._email,
            "sub": subject,
            "scope": " ".join(scopes),
            "aud": self._url,
            "iat": issued,
            "exp": issued + 3600,
        }
        headers = {"kid": self._key_id} if self._key_id else None
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers=headers)

    async def token(self, subject: str, scopes: Sequence[str]) -> str:
        key = (subject, *scopes)
        if found := self._cache.fresh(key, self._clock.now()):
            return found
        async with self._cache.lock(key):
            if found := self._cache.fresh(key, self._clock.now()):
                return found
            form = {"grant_type": JWT_BEARER, "assertion": self.assertion(subject, scopes, self._clock.now())}
            answer = await self._http.request("POST", self._url, form=form)
            token, expires = _token(answer.json(), self._clock.now())
            self._cache.tokens[key] = (token, expires)
            return token
