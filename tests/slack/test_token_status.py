"""Single-workspace mode: the workspace's installed status is read once per few seconds, not per call,
and an uninstall or a revocation recorded in this process stops the very next message."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event as sql_event

from bot.adapters.slack.calls import SlackCalls
from bot.adapters.slack.config import SlackConfig
from bot.adapters.slack.http import SlackHttp
from bot.adapters.slack.messenger import SlackMessenger
from bot.adapters.slack.tokens import SlackTokens
from bot.messages import OutgoingMessage, Recipient
from bot.ports import RecipientUnreachable
from storage.database import Database
from storage.slack import UNINSTALLED, SqlSlackInstallations
from tests.fakes.clock import FakeClock
from tests.slack.conftest import BOT_TOKEN, SOFIA_ID, Slack, event
from tests.slack.fake_slack import TEAM, FakeSlackApi

ADDRESS = {"realm": TEAM, "external_id": SOFIA_ID, "channel": "D0SOFIA01"}
HELLO = OutgoingMessage("hej")


def to_sofia(outbox_id: int = 1) -> Recipient:
    return Recipient(1, 1, "slack", {**ADDRESS, "outbox_id": outbox_id})


@pytest.fixture
async def http(fake_slack: FakeSlackApi) -> AsyncIterator[SlackHttp]:
    http = SlackHttp(fake_slack.api_url)
    yield http
    await http.aclose()


@pytest.fixture
def tokens(database: Database, fake_slack: FakeSlackApi, http: SlackHttp) -> SlackTokens:
    config = SlackConfig(signing_secret="s", bot_token=BOT_TOKEN, api_url=fake_slack.api_url)
    return SlackTokens(config, SqlSlackInstallations(database), http, FakeClock())


@pytest.fixture
def messenger(tokens: SlackTokens, http: SlackHttp) -> SlackMessenger:
    return SlackMessenger(SlackCalls(tokens, http, retries=False), locale="sv")


@pytest.fixture
def status_reads(database: Database) -> Iterator[list[str]]:
    """The statements that read slack_installations, as the database receives them."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "slack_installations" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    sql_event.listen(database.engine.sync_engine, "before_cursor_execute", note)
    yield seen
    sql_event.remove(database.engine.sync_engine, "before_cursor_execute", note)


async def test_a_run_of_messages_reads_the_workspaces_status_once(
    messenger: SlackMessenger, fake_slack: FakeSlackApi, status_reads: list[str]
) -> None:
    for outbox_id in range(1, 6):
        await messenger.send(to_sofia(outbox_id), HELLO, key=f"k{outbox_id}")

    assert len(fake_slack.of("chat.postMessage")) == 5
    assert len(status_reads) == 1


async def test_the_status_is_read_again_once_it_is_due(
    tokens: SlackTokens, messenger: SlackMessenger, status_reads: list[str]
) -> None:
    tokens.cache_seconds = 0.0  # every check is due at once

    await messenger.send(to_sofia(1), HELLO, key="k1")
    await messenger.send(to_sofia(2), HELLO, key="k2")

    assert len(status_reads) >= 2  # each message looked it up again


async def test_an_uninstall_recorded_by_another_process_stops_messages_once_the_status_is_due(
    database: Database, tokens: SlackTokens, messenger: SlackMessenger, fake_slack: FakeSlackApi
) -> None:
    await messenger.send(to_sofia(1), HELLO, key="k1")  # the installed status is now known here
    other_database = Database.open(database.url)
    try:
        await SqlSlackInstallations(other_database).mark(
            client_id="",
            enterprise_id=None,
            team_id=TEAM,
            status=UNINSTALLED,
            reason="app_uninstalled",
            now=datetime.now(UTC),
        )
    finally:
        await other_database.close()
    fake_slack.invalid_tokens.add(BOT_TOKEN)  # the uninstalled app's token is dead at Slack
    tokens.cache_seconds = 0.0

    with pytest.raises(RecipientUnreachable, match="app_uninstalled"):
        await messenger.send(to_sofia(2), HELLO, key="k2")

    assert len(fake_slack.of("chat.postMessage")) == 1


@pytest.mark.parametrize("name", ["app_uninstalled", "tokens_revoked"])
async def test_an_uninstall_or_revocation_here_stops_the_next_message_at_once(
    slack: Slack, name: str
) -> None:
    messenger = slack.services.messengers["slack"]
    await messenger.send(to_sofia(1), HELLO, key="k1")  # the installed status is now known, and kept
    assert len(slack.fake.of("chat.postMessage")) == 1

    await slack.event(event(name))
    await slack.settled()
    slack.fake.invalid_tokens.add(BOT_TOKEN)
    before = len(slack.fake.calls)

    with pytest.raises(RecipientUnreachable, match=name):
        await messenger.send(to_sofia(2), HELLO, key="k2")

    assert [call.method for call in slack.fake.calls[before:]] == ["auth.test"]
    assert len(slack.fake.of("chat.postMessage")) == 1
