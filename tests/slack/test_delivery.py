"""The outbox through Slack: a 429 waits for Retry-After (on the simulated clock), then succeeds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.adapters.slack.config import SlackConfig
from bot.delivery import Dispatcher
from bot.domain.delivery import OutboxKind
from storage.database import Database
from storage.outbox import SqlOutbox, enqueue
from storage.people import SqlPeople
from storage.tables import OutboxRow
from tests.fakes.builders import organisation_with_people
from tests.fakes.clock import FakeClock
from tests.slack.conftest import Build
from tests.slack.fake_slack import TEAM, FakeSlackApi
from tests.slack.test_messenger import CARD, TOKEN


async def _queued_nudge(database: Database, clock: FakeClock) -> int:
    organisation, [person] = await organisation_with_people(database, 1)
    await SqlPeople(database).link_identity(
        person.id, kind="slack", realm=TEAM, external_id="U0PERSON0", address={"channel": "D0PERSON0"}
    )
    async with database.transaction() as session:
        await enqueue(
            session,
            organisation_id=organisation.id,
            person_id=person.id,
            key="travel:R1",
            kind=OutboxKind.NUDGE,
            channel="slack",
            message=CARD,
            due_at=clock.now(),
        )
    async with database.session() as session:
        return int((await session.execute(select(OutboxRow.id))).scalar_one())


async def _row(database: Database) -> OutboxRow:
    async with database.session() as session:
        return (await session.execute(select(OutboxRow))).scalar_one()


async def test_a_rate_limited_nudge_waits_for_retry_after_and_then_goes_out(
    database: Database, fake_slack: FakeSlackApi, build: Build
) -> None:
    clock = FakeClock()
    outbox_id = await _queued_nudge(database, clock)
    messenger = build(SlackConfig(signing_secret="s", bot_token=TOKEN, api_url=fake_slack.api_url))
    dispatcher = Dispatcher(SqlOutbox(database), {"slack": messenger}, clock)
    fake_slack.fail("chat.postMessage", status=429, retry_after=30)
    started = clock.now()

    await dispatcher.run_once()
    waiting = await _row(database)
    early = await dispatcher.run_once()
    clock.advance(seconds=30)
    await dispatcher.run_once()

    assert (waiting.state, waiting.last_error) == ("retry", "rate_limited")
    assert waiting.next_attempt_at == started + timedelta(seconds=30)
    assert early == 0
    sent = await _row(database)
    assert sent.state == "sent" and sent.sent_ref is not None and sent.sent_ref["channel"] == "D0PERSON0"
    posts = fake_slack.of("chat.postMessage")
    assert len(posts) == 2 and posts[-1].params["metadata"]["event_payload"] == {"outbox_id": outbox_id}


async def test_a_slack_outage_is_retried_and_the_person_sees_one_message(
    database: Database, fake_slack: FakeSlackApi, build: Build
) -> None:
    clock = FakeClock()
    await _queued_nudge(database, clock)
    messenger = build(SlackConfig(signing_secret="s", bot_token=TOKEN, api_url=fake_slack.api_url))
    dispatcher = Dispatcher(SqlOutbox(database), {"slack": messenger}, clock)
    for _ in range(3):
        fake_slack.fail("chat.postMessage", status=503, error="service_unavailable")

    for _ in range(4):
        await dispatcher.run_once()
        clock.advance(hours=1)

    row = await _row(database)
    assert row.state == "sent" and row.attempts == 4
    assert dispatcher.stats.retried == 3 and dispatcher.stats.sent == 1
