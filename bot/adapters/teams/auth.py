"""Who may post to /api/messages, and the bot's own identity for answering.

Requests are checked with the SDK's ``JwtTokenValidator`` (signature, audience = our app id, expiry,
issuer allow-list, tenant binding). The one seam is ``SigningKeys``: production uses the SDK's own key
fetcher (fixed Microsoft addresses, cached); tests pass a key set of their own. Validation itself is never
switched off: without an app id the route exists only on a loopback bind (design 4.4), anonymously.
"""

from __future__ import annotations

import logging
from typing import Any, Final, Protocol

from jwt import PyJWK, PyJWKClientError, PyJWKSet, PyJWTError
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import AgentAuthConfiguration
from microsoft_agents.hosting.core.authorization import AuthTypes, ClaimsIdentity, JwtTokenValidator

from bot.settings import Settings

log = logging.getLogger(__name__)

SERVICE_CONNECTION: Final = "SERVICE_CONNECTION"


class SigningKeys(Protocol):
    """The seam for the keys that sign Bot Framework tokens (the SDK's key fetcher has this shape)."""

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK: ...


class StaticSigningKeys:
    """A fixed JWKS document (tests; an offline deployment could pin Microsoft's keys this way)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = {key.key_id: key for key in PyJWKSet.from_dict(jwks).keys if key.key_id}

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        key = self._keys.get(str(header.get("kid", "")))
        if key is None:
            raise PyJWKClientError("no signing key with that id")
        return key


class Unauthorized(Exception):
    """The request carries no acceptable token; the message is safe to return (it names no internals)."""


class TokenCheck:
    def __init__(self, configuration: AgentAuthConfiguration, keys: SigningKeys | None = None) -> None:
        self._configuration = configuration
        self._validator = JwtTokenValidator(configuration)
        if keys is not None:
            # The SDK reads its key fetcher from this attribute; an instance attribute replaces the
            # class-wide fetcher for this validator only.
            self._validator._jwk_client_manager = keys  # type: ignore[assignment]

    @property
    def anonymous(self) -> bool:
        return bool(self._configuration.ANONYMOUS_ALLOWED)

    async def identity(self, authorization: str | None) -> ClaimsIdentity:
        if not authorization:
            if self.anonymous:
                return ClaimsIdentity()
            raise Unauthorized("an Authorization header with a Bot Framework token is required")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise Unauthorized("the Authorization header must be 'Bearer <token>'")
        try:
            return await self._validator.validate_token(token)
        except (PyJWTError, ValueError, KeyError) as error:
            log.warning("Teams token refused (%s)", type(error).__name__)
            raise Unauthorized("the token is not valid for this bot") from None


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """A single-tenant app registration (app id, secret, tenant id), a user-assigned managed identity
    (app id without a secret), or, with no app id on a loopback bind, anonymous local use."""
    if not settings.microsoft_app_id:
        if not settings.loopback_bind:
            raise RuntimeError("Teams without MICROSOFT_APP_ID runs only on a loopback bind")
        return AgentAuthConfiguration(anonymous_allowed=True, connection_name=SERVICE_CONNECTION)
    secret = settings.microsoft_app_password.value
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret if secret else AuthTypes.user_managed_identity,
        client_id=settings.microsoft_app_id,
        tenant_id=settings.microsoft_app_tenant_id or None,
        client_secret=secret or None,
        connection_name=SERVICE_CONNECTION,
        anonymous_allowed=False,
        validate_issuer=True,
    )


def connection_manager(configuration: AgentAuthConfiguration) -> MsalConnectionManager:
    return MsalConnectionManager(connections_configurations={SERVICE_CONNECTION: configuration})
