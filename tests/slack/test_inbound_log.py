"""The batched inbound log under the acknowledgement: one row per delivery id, whoever writes it."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from sqlalchemy import make_url, select

from storage.database import Database
from storage.slack_inbound import SqlSlackInbound
from storage.tables import InboundRow
from tests.fakes.clock import FakeClock
from tests.slack.conftest import event


async def test_two_batches_at_once_with_the_same_event_make_one_row(
    database: Database, clock: FakeClock
) -> None:
    body = event("app_mention", text="<@U0REMMBOT> hjälp")
    inbound = SqlSlackInbound(database)
    try:
        first, second = await asyncio.gather(
            inbound.begin_many([(body["event_id"], json.dumps(body))], now=clock.now()),
            inbound.begin_many([("Ev0OTHER", {"x": 1}), (body["event_id"], body)], now=clock.now()),
        )
        async with database.session() as session:
            rows = list((await session.execute(select(InboundRow))).scalars())
    finally:
        await inbound.close()

    assert len([ids for ids in (first, second) if body["event_id"] in ids]) == 1
    assert sorted(row.delivery_id for row in rows) == sorted([body["event_id"], "Ev0OTHER"])
    assert next(row.payload for row in rows if row.delivery_id == body["event_id"]) == body


async def test_retries_reaching_two_processes_in_any_order_are_each_recorded_once_and_never_refused(
    database: Database, clock: FakeClock
) -> None:
    """Two writers (two processes) each get a batch of the same events, in opposite orders, many times
    over: every batch is written (none ends as a deadlock, which would answer Slack 500), and each event
    is new at exactly one of them."""
    here, there = SqlSlackInbound(database), SqlSlackInbound(database)
    try:
        for round_number in range(30):
            ids = [f"Ev{round_number:02d}{n:03d}" for n in range(40)]
            batches = [(i, "{}") for i in ids], [(i, "{}") for i in reversed(ids)]
            first, second = await asyncio.gather(
                here.begin_many(batches[0], now=clock.now()), there.begin_many(batches[1], now=clock.now())
            )
            assert sorted([*first, *second]) == ids
    finally:
        await here.close()
        await there.close()


async def test_a_held_sqlite_write_lock_is_waited_for_off_the_event_loop(
    sqlite_database: Database, clock: FakeClock
) -> None:
    inbound = SqlSlackInbound(sqlite_database)
    holder = sqlite3.connect(make_url(sqlite_database.url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what a transaction of the work holds while it runs
    try:
        writing = asyncio.create_task(inbound.begin_many([("Ev0LOCKED", {"x": 1})], now=clock.now()))
        for _ in range(20):  # the loop keeps turning while the write waits for the lock
            await asyncio.sleep(0)
        assert not writing.done()
        holder.execute("COMMIT")
        created = await writing
    finally:
        holder.close()
        await inbound.close()

    assert list(created) == ["Ev0LOCKED"]
