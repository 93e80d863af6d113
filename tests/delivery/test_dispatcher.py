from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.delivery import DeliveryLimits, Dispatcher
from bot.domain.delivery import OutboxItem, OutboxKind, OutboxState, SentRef
from bot.messages import OutgoingMessage, Recipient
from bot.ports import DeliveryFailed, RateLimited, RecipientUnreachable
from storage.database import Database, reachable
from storage.outbox import SqlOutbox, enqueue
from storage.tables import OutboxRow
from tests.fakes.builders import organisation_with_people
from tests.fakes.clock import FakeClock
from tests.fakes.messenger import FakeMessenger


async def _queue(database: Database, clock: FakeClock, count: int, *, channel: str = "webchat") -> list[int]:
    organisation, people = await organisation_with_people(database, count)
    async with database.transaction() as session:
        for person in people:
            await enqueue(
                session,
                organisation_id=organisation.id,
                person_id=person.id,
                key=f"travel:R{person.id}",
                kind=OutboxKind.NUDGE,
                channel=channel,
                message=OutgoingMessage(f"hello {person.id}"),
                due_at=clock.now(),
            )
    return [person.id for person in people]


async def _states(database: Database) -> list[str]:
    async with database.session() as session:
        return list((await session.execute(select(OutboxRow.state).order_by(OutboxRow.id))).scalars())


def _dispatcher(
    database: Database, clock: FakeClock, messenger: FakeMessenger, **limits: object
) -> Dispatcher:
    return Dispatcher(
        SqlOutbox(database),
        {"webchat": messenger},
        clock,
        limits=DeliveryLimits(**limits),
        rng=random.Random(1),  # type: ignore[arg-type]
    )


async def test_due_messages_are_delivered_once_and_marked_sent(database: Database) -> None:
    clock, messenger = FakeClock(), FakeMessenger()
    people = await _queue(database, clock, 3)
    dispatcher = _dispatcher(database, clock, messenger)

    assert await dispatcher.run_once() == 3
    assert await dispatcher.run_once() == 0

    assert sorted(s.recipient.person_id for s in messenger.sent) == people
    assert await _states(database) == ["sent"] * 3


async def test_enqueueing_the_same_subject_twice_keeps_one_row(database: Database) -> None:
    clock = FakeClock()
    organisation, people = await organisation_with_people(database, 1)
    async with database.transaction() as session:
        added = [
            await enqueue(
                session,
                organisation_id=organisation.id,
                person_id=people[0].id,
                key="travel:R1",
                kind=OutboxKind.NUDGE,
                channel="webchat",
                message=OutgoingMessage("x"),
                due_at=clock.now(),
            )
            for _ in range(2)
        ]
    assert added == [True, False]
    assert len(await _states(database)) == 1


async def test_rate_limited_delivery_waits_for_retry_after_then_succeeds(database: Database) -> None:
    clock, messenger = FakeClock(), FakeMessenger(failures=deque([RateLimited(30)]))
    await _queue(database, clock, 1)
    dispatcher = _dispatcher(database, clock, messenger)

    await dispatcher.run_once()
    assert await _states(database) == ["retry"]
    clock.advance(seconds=29)
    assert await dispatcher.run_once() == 0
    clock.advance(seconds=2)
    assert await dispatcher.run_once() == 1
    assert await _states(database) == ["sent"]
    assert len(messenger.sent) == 1


async def test_unreachable_recipient_is_not_retried(database: Database) -> None:
    clock, messenger = (
        FakeClock(),
        FakeMessenger(failures=deque([RecipientUnreachable("ConversationBlockedByUser")])),
    )
    await _queue(database, clock, 1)
    dispatcher = _dispatcher(database, clock, messenger)

    await dispatcher.run_once()
    clock.advance(days=1)
    assert await dispatcher.run_once() == 0
    async with database.session() as session:
        row = (await session.execute(select(OutboxRow))).scalar_one()
    assert (row.state, row.last_error) == ("unreachable", "ConversationBlockedByUser")


async def test_passing_faults_back_off_and_give_up_after_max_attempts(database: Database) -> None:
    clock = FakeClock()
    messenger = FakeMessenger(failures=deque(DeliveryFailed("http_502") for _ in range(10)))
    await _queue(database, clock, 1)
    dispatcher = _dispatcher(database, clock, messenger, max_attempts=3)

    waits = []
    for _ in range(3):
        before = clock.now()
        await dispatcher.run_once()
        async with database.session() as session:
            row = (await session.execute(select(OutboxRow))).scalar_one()
        waits.append(row.next_attempt_at - before)
        clock.current = row.next_attempt_at + timedelta(seconds=1)
    assert await _states(database) == [OutboxState.FAILED.value]
    assert waits[1] > waits[0]  # the second wait is longer: exponential backoff
    assert messenger.sent == []


async def test_a_row_abandoned_in_sending_is_resent_after_its_lease_and_counted(database: Database) -> None:
    clock, messenger = FakeClock(), FakeMessenger()
    await _queue(database, clock, 2)
    outbox = SqlOutbox(database)
    claimed = await outbox.claim_due(now=clock.now(), limit=1, lease_seconds=60)  # then the process "dies"
    dispatcher = _dispatcher(database, clock, messenger)

    await dispatcher.run_once()
    assert len(messenger.sent) == 1  # the abandoned row waits for its lease to expire
    clock.advance(seconds=61)
    await dispatcher.run_once()

    assert sorted(s.key for s in messenger.sent) == sorted([f"travel:R{p}" for p in (1, 2)])
    assert dispatcher.stats.redelivered == 1
    async with database.session() as session:
        redelivered = (
            await session.execute(select(OutboxRow.redelivered).where(OutboxRow.id == claimed[0].id))
        ).scalar()
    assert redelivered == 1


async def test_two_dispatchers_never_claim_the_same_row(database: Database) -> None:
    clock = FakeClock()
    await _queue(database, clock, 20)
    outbox_a, outbox_b = SqlOutbox(database), SqlOutbox(database)
    first = await outbox_a.claim_due(now=clock.now(), limit=12, lease_seconds=60)
    second = await outbox_b.claim_due(now=clock.now(), limit=12, lease_seconds=60)
    assert len(first) == 12 and len(second) == 8
    assert not {i.id for i in first} & {i.id for i in second}


async def test_per_recipient_gap_spaces_messages_to_one_person(database: Database) -> None:
    clock, messenger = FakeClock(), FakeMessenger()
    organisation, people = await organisation_with_people(database, 1)
    async with database.transaction() as session:
        for n in range(3):
            await enqueue(
                session,
                organisation_id=organisation.id,
                person_id=people[0].id,
                key=f"k{n}",
                kind=OutboxKind.NUDGE,
                channel="webchat",
                message=OutgoingMessage("x"),
                due_at=clock.now(),
            )
    start = clock.now()
    await _dispatcher(database, clock, messenger, per_recipient_gap_seconds=2.0, concurrency=1).run_once()
    assert len(messenger.sent) == 3
    assert clock.now() - start >= timedelta(seconds=4)


async def test_a_result_from_a_lost_claim_is_not_recorded(database: Database) -> None:
    clock = FakeClock()
    await _queue(database, clock, 1)
    outbox = SqlOutbox(database)
    [first] = await outbox.claim_due(now=clock.now(), limit=1, lease_seconds=60)
    clock.advance(seconds=61)
    [second] = await outbox.claim_due(
        now=clock.now(), limit=1, lease_seconds=60
    )  # another dispatcher took it

    stale = await outbox.mark_sent(
        first.id, ref=SentRef("webchat"), now=clock.now(), redelivered=False, lease=first.lease_until
    )
    current = await outbox.mark_sent(
        second.id, ref=SentRef("webchat"), now=clock.now(), redelivered=True, lease=second.lease_until
    )

    assert (stale, current) == (False, True)


async def test_an_item_whose_lease_runs_out_while_waiting_is_handed_back_unsent(database: Database) -> None:
    clock = FakeClock()
    await _queue(database, clock, 2)
    messenger = FakeMessenger(failures=deque([RateLimited(120)]))
    dispatcher = _dispatcher(database, clock, messenger, concurrency=1, lease_seconds=60)

    await dispatcher.run_once()  # the first gets a 429 for 120 s; the second must not wait past its claim

    assert messenger.sent == []
    assert sorted(await _states(database)) == ["retry", "retry"]


async def test_a_lease_shorter_than_the_send_margin_still_delivers(database: Database) -> None:
    clock, messenger = FakeClock(), FakeMessenger()
    await _queue(database, clock, 3)
    dispatcher = _dispatcher(database, clock, messenger, lease_seconds=2)  # as fast-failover workers run

    await dispatcher.run_once()

    assert len(messenger.sent) == 3
    assert await _states(database) == ["sent", "sent", "sent"]


async def test_a_row_abandoned_in_sending_stays_a_possible_repeat_through_a_failed_resend(
    database: Database,
) -> None:
    clock = FakeClock()
    messenger = FakeMessenger(failures=deque([DeliveryFailed("http_500"), RateLimited(5)]))
    await _queue(database, clock, 1)
    await SqlOutbox(database).claim_due(now=clock.now(), limit=1, lease_seconds=60)  # the process "dies"
    dispatcher = _dispatcher(database, clock, messenger, max_attempts=5)

    for _ in range(3):  # a 500, then a 429, then it goes out
        clock.advance(seconds=300)
        await dispatcher.run_once()

    assert len(messenger.sent) == 1
    assert dispatcher.stats.redelivered == 1  # the resend is still counted as a possible repeat
    async with database.session() as session:
        row = (await session.execute(select(OutboxRow))).scalar_one()
    assert (row.state, row.redelivered) == ("sent", 1)


class _OutageOnce(SqlOutbox):
    """The real outbox, whose first claim finds every pooled connection busy (as under overload)."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.claims = 0

    async def claim_due(self, *, now: datetime, limit: int, lease_seconds: float) -> Sequence[OutboxItem]:
        self.claims += 1
        if self.claims == 1:
            async with reachable():
                raise PoolTimeout("QueuePool limit of size 10 overflow 20 reached")
        return await super().claim_due(now=now, limit=limit, lease_seconds=lease_seconds)


async def test_a_pass_that_finds_the_database_unavailable_is_reported_without_a_traceback_and_retried(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock, stop = FakeClock(), asyncio.Event()
    messenger = _StopAfter(2, stop)
    people = await _queue(database, clock, 2)
    dispatcher = Dispatcher(_OutageOnce(database), {"webchat": messenger}, clock, limits=DeliveryLimits())

    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        await asyncio.wait_for(dispatcher.run_forever(stop), 10)

    assert sorted(s.recipient.person_id for s in messenger.sent) == people
    [report] = [r for r in caplog.records if r.name == "bot.delivery"]
    assert report.levelno == logging.WARNING and report.exc_info is None
    assert "database cannot be reached" in report.getMessage()


class _StopAfter(FakeMessenger):
    """Stops the dispatcher once ``count`` messages went out."""

    def __init__(self, count: int, stop: asyncio.Event) -> None:
        super().__init__()
        self._count, self._stop = count, stop

    async def send(self, recipient: Recipient, message: OutgoingMessage, *, key: str) -> SentRef:
        ref = await super().send(recipient, message, key=key)
        if len(self.sent) >= self._count:
            self._stop.set()
        return ref
