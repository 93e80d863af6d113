"""An event acknowledged just before a crash is taken over by the next process, and answered once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.adapters.slack.inbox import SlackInbox
from bot.settings import Settings
from storage.database import Database, DatabaseUnavailable
from storage.migrate import upgrade
from storage.slack_inbound import SqlSlackInbound
from storage.tables import InboundRow
from tests.fakes.clock import FakeClock
from tests.slack.conftest import event, slack_env, start
from tests.slack.fake_slack import FakeSlackApi


async def test_an_acknowledged_but_unfinished_event_is_resumed_after_a_restart(
    database: Database, fake_slack: FakeSlackApi, clock: FakeClock
) -> None:
    await upgrade(database)
    body = event("message_im", text="hjälp", event={"channel": "D0SOFIA01"})
    inbound = SqlSlackInbound(database)
    await inbound.begin_many([(body["event_id"], body)], now=clock.now() - timedelta(minutes=3))
    await inbound.close()

    slack, client = await start(Settings.from_env(slack_env(database, fake_slack)), fake_slack, clock)
    try:
        await fake_slack.wait_for("chat.postMessage")
        await slack.settled()
    finally:
        await client.close()

    assert "remm-bot" in fake_slack.of("chat.postMessage")[-1].params["text"]
    async with database.session() as session:
        [row] = (await session.execute(select(InboundRow))).scalars()
    assert (row.state, row.payload) == ("done", None)


async def test_a_recent_unfinished_event_is_left_to_the_process_working_on_it(
    database: Database, fake_slack: FakeSlackApi, clock: FakeClock
) -> None:
    await upgrade(database)
    body = event("message_im", text="hjälp", event={"channel": "D0SOFIA01"})
    inbound = SqlSlackInbound(database)
    await inbound.begin_many([(body["event_id"], body)], now=clock.now() - timedelta(seconds=20))

    claimed = await inbound.claim_stale(received_before=clock.now() - timedelta(minutes=2))

    await inbound.close()
    assert claimed == []


async def test_an_event_that_finds_the_database_unavailable_stays_unfinished_and_is_resumed(
    database: Database, clock: FakeClock
) -> None:
    await upgrade(database)
    handled: list[object] = []

    async def handler(work: object) -> None:
        handled.append(work)
        if len(handled) == 1:
            raise DatabaseUnavailable("the database connection failed: ConnectionRefusedError")

    inbox = SlackInbox(SqlSlackInbound(database), clock, handler, workers=1)
    await inbox.start()
    try:
        body = event("message_im", text="hjälp", event={"channel": "D0SOFIA01"})
        entry_id = await inbox.accept(body["event_id"], body)
        assert entry_id is not None
        inbox.submit(entry_id, body)
        await inbox.idle()
        assert await _states(database) == ["received"]  # not lost: left for a later attempt

        clock.advance(minutes=3)
        assert await inbox.resume() == 1
        await inbox.idle()
    finally:
        await inbox.stop()

    assert len(handled) == 2
    assert await _states(database) == ["done"]


async def _states(database: Database) -> list[str]:
    async with database.session() as session:
        return list((await session.execute(select(InboundRow.state))).scalars())
