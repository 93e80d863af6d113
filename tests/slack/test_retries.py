"""Slack retries an event it thinks was not acknowledged; a retry never brings a second reply."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.settings import Settings
from storage.database import Database
from storage.tables import InboundRow
from tests.fakes.clock import FakeClock
from tests.slack.conftest import Slack, event, slack_env, start
from tests.slack.fake_slack import FakeSlackApi


async def _inbound_rows(database: Database) -> int:
    async with database.session() as session:
        return int((await session.execute(select(func.count()).select_from(InboundRow))).scalar_one())


async def test_a_retried_event_is_acknowledged_and_answered_once(slack: Slack) -> None:
    body = event("message_im", text="statistik", event={"channel": "D0SOFIA01"})

    first = await slack.event(body)
    await slack.settled()
    answered = len(slack.fake.of("chat.postMessage"))
    again = await slack.event(body, retry=1)
    later = await slack.event(body, retry=2)
    await slack.settled()

    assert (first.status, again.status, later.status) == (200, 200, 200)
    assert answered >= 1 and len(slack.fake.of("chat.postMessage")) == answered
    assert await _inbound_rows(slack.services.database) == 1


async def test_the_same_event_at_two_processes_at_once_is_answered_once(
    database: Database, fake_slack: FakeSlackApi, clock: FakeClock
) -> None:
    settings = Settings.from_env(slack_env(database, fake_slack))
    one, client_one = await start(settings, fake_slack, clock)
    two, client_two = await start(settings, fake_slack, clock)
    try:
        body = event("message_im", text="statistik", event={"channel": "D0SOFIA01"})

        answers = await asyncio.gather(one.event(body), two.event(body, retry=1))
        await asyncio.gather(one.settled(), two.settled())

        assert [a.status for a in answers] == [200, 200]
        texts = [call.params["text"] for call in fake_slack.of("chat.postMessage")]
        assert len(texts) == len(set(texts)) and texts  # the privacy notice and the figures, each once
        assert await _inbound_rows(database) == 1
    finally:
        await client_one.close()
        await client_two.close()
