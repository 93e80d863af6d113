"""The inbound log as a work queue for Graph notifications: batched records, claims under a lease."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.ingest.graph_worker import LEASE
from storage.database import Database
from storage.inbound_queue import SqlInboundQueue
from storage.tables import InboundRow

T = datetime(2026, 1, 8, 8, 0, tzinfo=UTC)
SOURCES = ("graph", "graph_lifecycle")


async def _record(queue: SqlInboundQueue, count: int, *, source: str = "graph") -> list[int]:
    entries = [(source, f"delivery-{n}", {"subscriptionId": "s", "n": n}) for n in range(count)]
    return sorted((await queue.begin_many(entries, now=T)).values())


async def _claim(queue: SqlInboundQueue, at: datetime, limit: int = 100) -> list[int]:
    claimed = await queue.claim(sources=SOURCES, now=at, lease_until=at + LEASE, limit=limit)
    return [entry.id for entry in claimed]


async def test_the_same_notifications_at_two_processes_in_any_order_are_recorded_once_each(
    database: Database,
) -> None:
    """Graph may resend to any web process: batches with keys in common, in opposite orders, are all
    written (none ends as a deadlock, which would answer Graph 500) and each is new at one of them."""
    here, there = SqlInboundQueue(database), SqlInboundQueue(database)
    try:
        for round_number in range(30):
            keys = [("graph", f"r{round_number:02d}-{n:03d}") for n in range(40)]
            first, second = await asyncio.gather(
                here.begin_many([(*key, {}) for key in keys], now=T),
                there.begin_many([(*key, {}) for key in reversed(keys)], now=T),
            )
            assert sorted([*first, *second]) == keys
    finally:
        await here.close()
        await there.close()


async def test_a_delivery_recorded_again_is_not_recorded_twice(database: Database) -> None:
    queue = SqlInboundQueue(database)
    try:
        first = await queue.begin_many([("graph", "a", {}), ("graph", "a", {}), ("graph", "b", {})], now=T)
        again = await queue.begin_many([("graph", "a", {}), ("graph_lifecycle", "a", {})], now=T)
    finally:
        await queue.close()

    assert sorted(first) == [("graph", "a"), ("graph", "b")]
    assert list(again) == [("graph_lifecycle", "a")]


async def test_a_row_held_by_a_worker_that_died_is_taken_over_when_the_lease_ends(database: Database) -> None:
    dead, alive = SqlInboundQueue(database), SqlInboundQueue(database)
    try:
        ids = await _record(dead, 3)
        assert await _claim(dead, T) == ids  # ... and then that process dies

        during = await _claim(alive, T + LEASE - timedelta(seconds=1))
        after = await _claim(alive, T + LEASE)
        again = await _claim(alive, T + LEASE + timedelta(seconds=1))
    finally:
        await dead.close()
        await alive.close()

    assert (during, after, again) == ([], ids, [])


async def test_two_workers_claiming_at_once_never_get_the_same_row(database: Database) -> None:
    first = SqlInboundQueue(database)
    # Two processes on PostgreSQL (SKIP LOCKED); on SQLite, whose deployments are one process, one queue.
    second = SqlInboundQueue(database) if database.is_postgres else first
    try:
        ids = await _record(first, 120)

        async def worker(queue: SqlInboundQueue) -> list[int]:
            taken: list[int] = []
            while claimed := await _claim(queue, T, limit=7):
                taken += claimed
                await asyncio.sleep(0)  # let the other one claim in between
            return taken

        one, other = await asyncio.gather(worker(first), worker(second))
    finally:
        await first.close()
        await second.close()

    assert not set(one) & set(other)
    assert sorted(one + other) == ids
    assert one and other  # both had a share, so they really ran side by side


async def test_a_row_given_back_for_a_retry_waits_until_then(database: Database) -> None:
    queue = SqlInboundQueue(database)
    try:
        [entry] = await _record(queue, 1)
        await _claim(queue, T)
        await queue.release([entry], until=T + timedelta(seconds=30))

        early = await _claim(queue, T + timedelta(seconds=29))
        waiting = await queue.waiting(sources=SOURCES, now=T + timedelta(seconds=30))
        due = await _claim(queue, T + timedelta(seconds=30))
    finally:
        await queue.close()

    assert (early, waiting, due) == ([], 1, [entry])


async def test_finished_rows_are_never_claimed_again_and_keep_no_payload(database: Database) -> None:
    queue = SqlInboundQueue(database)
    try:
        ids = await _record(queue, 2)
        claimed = await _claim(queue, T)
        await queue.finish_many(claimed, now=T)
        later = await _claim(queue, T + 10 * LEASE)
    finally:
        await queue.close()
    async with database.session() as session:
        rows = list((await session.execute(select(InboundRow).order_by(InboundRow.id))).scalars())

    assert claimed == ids and later == []
    assert [(row.state, row.payload, row.lease_until) for row in rows] == [("done", None, None)] * 2


async def test_other_sources_are_not_claimed(database: Database) -> None:
    queue = SqlInboundQueue(database)
    try:
        await _record(queue, 2, source="slack")
        claimed = await _claim(queue, T)
    finally:
        await queue.close()

    assert claimed == []
