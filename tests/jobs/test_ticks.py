"""The weekly digest fires Monday from 08:00 local, for last week, once; not on other days."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.app import build_services
from bot.jobs.runner import JobRunner
from bot.jobs.ticks import weekly_digests_tick
from bot.sample_loader import load_sample
from bot.settings import Settings
from storage.database import Database
from storage.jobs import SqlJobRuns
from storage.tables_jobs import JobRunRow
from tests.fakes.clock import FakeClock


async def _runs(database: Database) -> list[tuple[str, str, str]]:
    async with database.session() as session:
        rows = (await session.execute(select(JobRunRow.job_id, JobRunRow.period, JobRunRow.state))).all()
    return [tuple(row) for row in rows]


async def test_the_weekly_digest_runs_once_on_monday_morning_for_last_week(database: Database) -> None:
    clock = FakeClock(datetime(2026, 11, 29, 20, 0, tzinfo=UTC))  # Sunday evening in Stockholm
    services = build_services(Settings.from_env({}), database, clock=clock)
    await load_sample(services)
    runner = JobRunner(SqlJobRuns(database), clock)

    await weekly_digests_tick(services, runner)
    clock.set(datetime(2026, 11, 30, 6, 30, tzinfo=UTC))  # Monday 07:30 local: not yet
    await weekly_digests_tick(services, runner)
    assert await _runs(database) == []

    clock.set(datetime(2026, 11, 30, 7, 5, tzinfo=UTC))  # Monday 08:05 local
    await weekly_digests_tick(services, runner)
    clock.advance(minutes=15)
    await weekly_digests_tick(services, runner)

    assert await _runs(database) == [("weekly-digest:hallbar", "2026-W48", "done")]
