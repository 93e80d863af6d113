"""The scheduler fires each job once per period, across processes and restarts."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import Services, build_services
from bot.jobs.runner import JobRunner
from bot.jobs.scheduler import Scheduling
from bot.jobs.ticks import JobSpec
from bot.settings import Settings
from storage.database import Database
from storage.jobs import SqlJobRuns
from storage.tables_jobs import JobRunRow
from tests.fakes.clock import FakeClock

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def _counting_job(calls: list[str]) -> JobSpec:
    async def tick(services: Services, runner: JobRunner) -> None:
        async def work() -> str:
            calls.append(services.clock.now().date().isoformat())
            return "ok"

        await runner.once("count", services.clock.now().date().isoformat(), work)

    return JobSpec("count", 5, tick)


@pytest.mark.postgres
async def test_only_one_of_two_processes_leads_on_postgres(postgres_url: str) -> None:
    first_db, second_db = Database.open(postgres_url), Database.open(postgres_url)
    clock = FakeClock(NOW)
    calls: list[str] = []
    first = Scheduling(build_services(Settings.from_env({}), first_db, clock=clock), [_counting_job(calls)])
    second = Scheduling(build_services(Settings.from_env({}), second_db, clock=clock), [_counting_job(calls)])
    try:
        await first.check_leadership()
        await second.check_leadership()
        assert (first.leading, second.leading) == (True, False)

        await first.stop()  # the leader goes away: the other takes over
        await second.check_leadership()
        assert second.leading
    finally:
        await first.stop()
        await second.stop()
        await first_db.close()
        await second_db.close()


async def test_a_job_runs_once_per_period_even_when_two_processes_tick(database: Database) -> None:
    clock = FakeClock(NOW)
    calls: list[str] = []
    job = _counting_job(calls)
    one = Scheduling(build_services(Settings.from_env({}), database, clock=clock), [job])
    two = Scheduling(build_services(Settings.from_env({}), database, clock=clock), [job])

    await one.run_due_now()
    await two.run_due_now()
    clock.advance(days=1)
    await two.run_due_now()

    assert calls == ["2026-11-30", "2026-12-01"]


async def test_a_run_interrupted_by_a_crash_is_taken_over_after_an_hour(database: Database) -> None:
    runs = SqlJobRuns(database)
    assert await runs.claim(job_id="digest", period="2026-W49", now=NOW, stale_after=timedelta(hours=1))
    # the process died here, before finish(): nobody may start it at once ...
    assert not await runs.claim(
        job_id="digest", period="2026-W49", now=NOW + timedelta(minutes=5), stale_after=timedelta(hours=1)
    )
    # ... but after the stale time another process resumes it (the outbox keys keep its sends unique).
    assert await runs.claim(
        job_id="digest", period="2026-W49", now=NOW + timedelta(hours=2), stale_after=timedelta(hours=1)
    )


async def test_a_failing_job_is_recorded_and_does_not_stop_the_others(database: Database) -> None:
    clock = FakeClock(NOW)
    runner = JobRunner(SqlJobRuns(database), clock)

    async def broken() -> str:
        raise RuntimeError("boom")

    async def fine() -> str:
        return "done"

    assert not await runner.once("broken", "p", broken)
    assert await runner.once("fine", "p", fine)
    async with database.session() as session:
        states = dict((await session.execute(select(JobRunRow.job_id, JobRunRow.state))).all())
    assert states == {"broken": "failed", "fine": "done"}


async def test_a_job_still_running_at_shutdown_stops_quietly(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    started, never = asyncio.Event(), asyncio.Event()

    async def tick(services: Services, runner: JobRunner) -> None:
        started.set()
        await never.wait()  # a call that hangs (a platform that does not answer)

    # APScheduler waits on the real clock for the first run, which is due at the services' "now".
    services = build_services(Settings.from_env({}), database, clock=FakeClock(datetime.now(UTC)))
    scheduling = Scheduling(services, [JobSpec("hangs", 5, tick)])
    caplog.set_level(logging.INFO)
    await scheduling.start()
    try:
        async with asyncio.timeout(10):
            await started.wait()
    finally:
        await scheduling.stop()

    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert "job hangs stopped by the shutdown" in caplog.text
