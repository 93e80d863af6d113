"""The scheduled jobs. Each tick decides what is due and hands it, once per period, to a service.

Ticks run often (minutes); the period key makes the work itself happen once: a day, an ISO week, a
month, per organisation where the work is per organisation (its own time zone decides "Monday 08:00").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.ingest import jobs as ingest
from bot.jobs.runner import JobRunner
from bot.reports.jobs import send_monthly_summaries, send_weekly_summaries
from bot.reports.weeks import IsoWeek, Month
from storage.campaign_figures import settle_deliveries
from storage.retention import apply_retention

if TYPE_CHECKING:
    from bot.app import Services
    from bot.domain.organisations import Organisation

Tick = Callable[["Services", JobRunner], Awaitable[None]]
DIGEST_TIME = time(8, 0)  # Monday 08:00 local, unless the organisation says otherwise
NIGHTLY_TIME = time(3, 0)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A stable id (the APScheduler job id) and how often the tick looks for due work."""

    id: str
    every_minutes: int
    tick: Tick


def _local(now: datetime, organisation: Organisation) -> datetime:
    return now.astimezone(ZoneInfo(organisation.timezone))


def _digest_time(organisation: Organisation) -> time:
    configured = (organisation.settings.get("reports") or {}).get("weekly_time")
    return time.fromisoformat(configured) if isinstance(configured, str) else DIGEST_TIME


async def retention_tick(services: Services, runner: JobRunner) -> None:
    now = services.clock.now()

    async def work() -> str:
        before = now - timedelta(days=services.settings.retention_days)
        # Campaign figures read delivery states from the outbox: copy them first, the rows may go now.
        await settle_deliveries(services.database)
        return (await apply_retention(services.database, before=before, now=now)).summary()

    await runner.once("retention", now.date().isoformat(), work)


async def weekly_digests_tick(services: Services, runner: JobRunner) -> None:
    """On Monday from 08:00 local, each organisation's managers get last week's summary, once."""
    for organisation in await services.organisations.all():
        local = _local(services.clock.now(), organisation)
        if local.isoweekday() != 1 or local.time() < _digest_time(organisation):
            continue
        week = IsoWeek.of(local.date()).shifted(-1)

        async def work(organisation: Organisation = organisation, week: IsoWeek = week) -> str:
            return (await send_weekly_summaries(services, organisation=organisation, week=week)).summary()

        await runner.once(f"weekly-digest:{organisation.slug}", str(week), work)


async def monthly_summaries_tick(services: Services, runner: JobRunner) -> None:
    """On the first of the month from 08:00 local, last month's personal summary for those who opted in."""
    for organisation in await services.organisations.all():
        local = _local(services.clock.now(), organisation)
        if local.day != 1 or local.time() < DIGEST_TIME:
            continue
        month = Month.of(local.date()).previous()

        async def work(organisation: Organisation = organisation, month: Month = month) -> str:
            return (await send_monthly_summaries(services, organisation=organisation, month=month)).summary()

        await runner.once(f"monthly-summary:{organisation.slug}", str(month), work)


def _every(job_id: str, minutes: int, work: Callable[[Services], Awaitable[str]]) -> JobSpec:
    """A job run once per slot of ``minutes`` (the slot is the period), whichever process ticks."""

    async def tick(services: Services, runner: JobRunner) -> None:
        now = services.clock.now()
        slot = int(now.timestamp() // (minutes * 60))
        await runner.once(job_id, str(slot), lambda: work(services))

    return JobSpec(job_id, minutes, tick)


async def nightly_people_sync_tick(services: Services, runner: JobRunner) -> None:
    local = services.clock.now().astimezone(ZoneInfo(services.settings.timezone))
    if local.time() >= NIGHTLY_TIME:
        await runner.once("people-sync", local.date().isoformat(), lambda: ingest.sync_people(services))


JOBS: list[JobSpec] = [
    JobSpec("retention", 60, retention_tick),
    JobSpec("weekly-digests", 15, weekly_digests_tick),
    JobSpec("monthly-summaries", 60, monthly_summaries_tick),
    _every("graph-renewals", 60, ingest.renew_graph_subscriptions),
    _every("google-renewals", 60, ingest.renew_google_channels),
    _every("graph-catch-up", 180, ingest.catch_up_graph),
    _every("google-catch-up", 180, ingest.catch_up_google),
    _every("ics-feeds", 15, ingest.poll_ics_feeds),
    _every("resume-notifications", 5, ingest.resume_notifications),
    JobSpec("people-sync", 60, nightly_people_sync_tick),
]
