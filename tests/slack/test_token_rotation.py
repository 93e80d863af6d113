"""Token rotation: a refresh token works once, so two processes must never both spend it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.adapters.slack.config import SlackConfig
from bot.adapters.slack.http import SlackHttp
from bot.adapters.slack.tokens import SlackTokens, WorkspaceKey
from storage.database import Database
from storage.slack import SlackWorkspaceRecord, SqlSlackInstallations
from storage.tables_slack import SlackInstallationRow
from tests.fakes.clock import FakeClock
from tests.slack.fake_slack import TEAM, FakeSlackApi

CLIENT_ID = "111.222"
WORKSPACE = WorkspaceKey(None, TEAM)


def config(fake: FakeSlackApi) -> SlackConfig:
    return SlackConfig(
        signing_secret="s", client_id=CLIENT_ID, client_secret="client-s3cret", api_url=fake.api_url
    )


async def install(database: Database, *, expires_in: timedelta, refresh: str | None = "xoxe-1-first") -> None:
    now = datetime.now(UTC)
    record = SlackWorkspaceRecord(
        client_id=CLIENT_ID,
        enterprise_id=None,
        team_id=TEAM,
        installed_at=now,
        bot_token="xoxe.xoxb-first",
        bot_refresh_token=refresh,
        bot_token_expires_at=now + expires_in,
        bot_id="B0REMMBOT",
        bot_user_id="U0REMMBOT",
    )
    await SqlSlackInstallations(database).save(record, now=now)


@pytest.fixture
async def processes(database: Database) -> AsyncIterator[list[Database]]:
    """Two more engines on the same database: what two processes of the bot would hold."""
    engines = [Database.open(database.url), Database.open(database.url)]
    yield engines
    for engine in engines:
        await engine.close()


async def test_two_processes_needing_a_fresh_token_at_once_refresh_it_once(
    database: Database, processes: list[Database], fake_slack: FakeSlackApi
) -> None:
    await install(database, expires_in=timedelta(minutes=30))
    fake_slack.refresh_tokens, fake_slack.refresh_delay = {"xoxe-1-first"}, 0.3
    https = [SlackHttp(fake_slack.api_url) for _ in processes]
    providers = [
        SlackTokens(config(fake_slack), SqlSlackInstallations(engine), http, FakeClock())
        for engine, http in zip(processes, https, strict=True)
    ]

    tokens = await asyncio.gather(*(provider.token(WORKSPACE) for provider in providers))

    for http in https:
        await http.aclose()
    assert len(fake_slack.of("oauth.v2.access")) == 1
    assert tokens == ["xoxe.xoxb-rotated-1", "xoxe.xoxb-rotated-1"]
    async with database.session() as session:
        [row] = (await session.execute(select(SlackInstallationRow))).scalars()
    assert (row.bot_token, row.bot_refresh_token) == ("xoxe.xoxb-rotated-1", "xoxe-1-refresh-1")
    assert row.bot_token_expires_at is not None
    assert row.bot_token_expires_at - datetime.now(UTC) > timedelta(hours=11)


async def test_a_token_far_from_expiry_is_used_as_it_is(database: Database, fake_slack: FakeSlackApi) -> None:
    await install(database, expires_in=timedelta(hours=6))
    http = SlackHttp(fake_slack.api_url)
    tokens = SlackTokens(config(fake_slack), SqlSlackInstallations(database), http, FakeClock())

    assert await tokens.token(WORKSPACE) == "xoxe.xoxb-first"
    await http.aclose()
    assert fake_slack.of("oauth.v2.access") == []


async def test_a_refresh_slack_refuses_marks_the_installation_broken(
    database: Database, fake_slack: FakeSlackApi
) -> None:
    await install(database, expires_in=timedelta(minutes=5), refresh="xoxe-1-spent-elsewhere")
    http = SlackHttp(fake_slack.api_url)
    tokens = SlackTokens(config(fake_slack), SqlSlackInstallations(database), http, FakeClock())

    with pytest.raises(Exception, match="refresh_invalid_refresh_token"):
        await tokens.token(WORKSPACE)
    await http.aclose()
    async with database.session() as session:
        [row] = (await session.execute(select(SlackInstallationRow))).scalars()
    assert (row.status, row.status_reason, row.bot_token) == ("broken", "refresh_invalid_refresh_token", None)
