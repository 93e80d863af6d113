"""The Slack side of the outbox alone, for processes that deliver without the route (`remm-bot worker`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from bot.adapters.slack.calls import SlackCalls
from bot.adapters.slack.config import SlackConfig
from bot.adapters.slack.http import SlackHttp
from bot.adapters.slack.messenger import SlackMessenger
from bot.adapters.slack.tokens import SlackTokens
from bot.ports import Clock, Messenger
from bot.settings import Settings
from storage.database import Database
from storage.slack import SqlSlackInstallations

CHANNEL = "slack"  # the outbox channel name, as in bot.adapters.slack.app


class OutboundServices(Protocol):
    settings: Settings
    database: Database
    clock: Clock
    messengers: dict[str, Messenger]


@asynccontextmanager
async def slack_outbound(services: OutboundServices) -> AsyncIterator[None]:
    """Register a Slack messenger (tokens refreshed under the shared lock) unless one is there already.

    Enter it before the dispatcher starts, so no Slack row is claimed while the channel is missing."""
    settings = services.settings
    if not settings.slack_enabled or CHANNEL in services.messengers:
        yield
        return
    config = SlackConfig.from_settings(settings)
    http = SlackHttp(config.api_url)
    tokens = SlackTokens(config, SqlSlackInstallations(services.database), http, services.clock)
    services.messengers[CHANNEL] = SlackMessenger(
        SlackCalls(tokens, http, retries=False), locale=config.locale, public_url=config.public_url
    )
    try:
        yield
    finally:
        await http.aclose()
