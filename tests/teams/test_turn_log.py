"""The Teams turn log on SQLite and PostgreSQL: turns waiting at once share a batch, each with its answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import text

from bot.domain.records import Preferences
from storage.database import Database
from storage.inbound import SqlInboundLog
from storage.nudges import SqlNudges
from storage.teams_turns import SqlTeamsTurns
from tests.fakes.builders import organisation_with_people

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def test_turns_arriving_together_each_get_their_row_and_a_resend_gets_none(database: Database) -> None:
    turns = SqlTeamsTurns(database)
    try:
        earlier = await turns.begin(delivery_id="seen-before", payload={"type": "message"}, now=NOW)
        keys = [f"activity-{i}@conversation" for i in range(20)]

        entries = await asyncio.gather(
            *(turns.begin(delivery_id=key, payload={"type": "message"}, now=NOW) for key in keys),
            turns.begin(delivery_id=keys[0], payload={"type": "message"}, now=NOW),  # a resend, at once
            turns.begin(delivery_id="seen-before", payload={"type": "message"}, now=NOW),  # a resend, later
        )

        assert earlier is not None
        new, (same_batch, later) = entries[:20], entries[20:]
        assert all(entry is not None for entry in new) and len(set(new)) == 20
        assert same_batch is None and later is None
        seen = await SqlInboundLog(database).seen(source="teams", delivery_id=keys[7])
        assert seen is not None and seen.id == new[7] and seen.state == "received"
    finally:
        await turns.close()


async def test_a_finished_turn_keeps_what_was_answered(database: Database) -> None:
    turns = SqlTeamsTurns(database)
    try:
        first = await turns.begin(delivery_id="click@c", payload={"type": "invoke"}, now=NOW)
        second = await turns.begin(delivery_id="message@c", payload={"type": "message"}, now=NOW)
        assert first is not None and second is not None

        await asyncio.gather(
            turns.finish(first, now=NOW, result={"invoke": {"statusCode": 200}}),
            turns.finish(second, now=NOW, result={"replies": 1}),
        )

        log = SqlInboundLog(database)
        click = await log.seen(source="teams", delivery_id="click@c")
        message = await log.seen(source="teams", delivery_id="message@c")
        assert click is not None and click.state == "done"
        assert click.payload == {"invoke": {"statusCode": 200}}
        assert message is not None and message.state == "done" and message.payload == {"replies": 1}
    finally:
        await turns.close()


async def test_preferences_are_read_with_the_rows_and_default_for_someone_new(database: Database) -> None:
    organisation, (anna, bertil) = await organisation_with_people(database, 2)
    await SqlNudges(database).save_preferences(
        organisation.id,
        Preferences(anna.id, opted_out=True, privacy_notice_seen=True, locale="en"),
        now=NOW,
    )
    turns = SqlTeamsTurns(database)
    try:
        soon = turns.preferences_soon(anna.id)
        entry = await turns.begin(delivery_id="a@c", payload={}, now=NOW)

        assert entry is not None and soon.done()  # read in the same batch as the row
        assert soon.result() == Preferences(anna.id, opted_out=True, privacy_notice_seen=True, locale="en")
        assert await turns.preferences(bertil.id) == Preferences(bertil.id)
    finally:
        await turns.close()


async def test_a_failed_batch_fails_its_turns_and_the_next_batch_works(database: Database) -> None:
    turns = SqlTeamsTurns(database)
    try:
        # Not JSON: the whole batch is refused, and both turns in it hear so.
        failed = await asyncio.gather(
            turns.begin(delivery_id="bad@c", payload={"at": object()}, now=NOW),
            turns.begin(delivery_id="good@c", payload={}, now=NOW),
            return_exceptions=True,
        )
        after = await turns.begin(delivery_id="good@c", payload={}, now=NOW)

        assert all(isinstance(outcome, Exception) for outcome in failed)
        assert after is not None  # nothing of the failed batch was kept
    finally:
        await turns.close()


async def test_turns_go_on_after_the_server_dropped_the_kept_connection(database: Database) -> None:
    turns = SqlTeamsTurns(database, ping_after_seconds=0)
    try:
        assert await turns.begin(delivery_id="before@c", payload={}, now=NOW) is not None
        if database.is_postgres:  # the server drops every connection (a restart, a failover)
            async with database.engine.connect() as connection:
                await connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )

        assert await turns.begin(delivery_id="after@c", payload={}, now=NOW) is not None
    finally:
        await turns.close()


async def test_a_resend_after_a_finish_not_waited_for_finds_the_answer(database: Database) -> None:
    turns = SqlTeamsTurns(database)
    try:
        entry = await turns.begin(delivery_id="click@c", payload={"type": "invoke"}, now=NOW)
        assert entry is not None
        turns.finish_later(entry, now=NOW, result={"invoke": {"statusCode": 200}})

        resend = await turns.begin(delivery_id="click@c", payload={"type": "invoke"}, now=NOW)

        seen = await SqlInboundLog(database).seen(source="teams", delivery_id="click@c")
        assert resend is None
        assert seen is not None and seen.state == "done" and seen.payload == {"invoke": {"statusCode": 200}}
    finally:
        await turns.close()


async def test_closing_writes_the_finishes_still_queued(database: Database) -> None:
    turns = SqlTeamsTurns(database)
    entry = await turns.begin(delivery_id="last@c", payload={"type": "message"}, now=NOW)
    assert entry is not None
    turns.finish_later(entry, now=NOW, result={"replies": 1})

    await turns.close()

    seen = await SqlInboundLog(database).seen(source="teams", delivery_id="last@c")
    assert seen is not None and seen.state == "done"
