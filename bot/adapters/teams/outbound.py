"""The Teams side of the outbox: the messenger, its HTTP session and its token cache.

The route's lifetime registers one; ``teams_outbound`` registers one for a process without the route.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from microsoft_agents.hosting.core import AgentAuthConfiguration, OutboundHostValidator

from bot.adapters.teams.auth import auth_configuration, connection_manager
from bot.adapters.teams.connector import CachedTokens, ConnectorHttp, NoTokens, TokenSource
from bot.adapters.teams.messenger import CHANNEL, TeamsMessenger
from bot.ports import Messenger
from bot.settings import Settings
from storage.database import Database
from storage.teams import SqlTeamsContacts


class OutboundServices(Protocol):
    settings: Settings
    database: Database
    messengers: dict[str, Messenger]


@asynccontextmanager
async def teams_outbound(services: OutboundServices) -> AsyncIterator[None]:
    """The Teams messenger alone, for processes that deliver the outbox without the route (`remm-bot worker`).

    Enter it before the dispatcher starts, so no Teams row is claimed while the channel is missing."""
    settings = services.settings
    if not settings.teams_enabled or CHANNEL in services.messengers:
        yield
        return
    http = connector_http(settings)
    tokens = connector_tokens(auth_configuration(settings), None)
    services.messengers[CHANNEL] = teams_messenger(
        settings, http, tokens, SqlTeamsContacts(services.database)
    )
    try:
        yield
    finally:
        await http.close()


def connector_http(settings: Settings) -> ConnectorHttp:
    """On a public bind only Microsoft's connector hosts are called, never loopback or private addresses."""
    return ConnectorHttp(validator=None if settings.loopback_bind else OutboundHostValidator(enabled=True))


def connector_tokens(configuration: AgentAuthConfiguration, seam: TokenSource | None) -> TokenSource:
    if seam is not None:
        return seam
    if configuration.ANONYMOUS_ALLOWED:
        return NoTokens()
    return CachedTokens(connection_manager(configuration).get_default_connection())


def teams_messenger(
    settings: Settings, http: ConnectorHttp, tokens: TokenSource, contacts: SqlTeamsContacts
) -> TeamsMessenger:
    app_id, public_url = settings.microsoft_app_id, settings.public_url
    return TeamsMessenger(http, tokens, contacts, app_id=app_id, public_url=public_url)
