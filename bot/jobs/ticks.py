"""The scheduled jobs. Each tick decides what is due and hands it, once per period, to a service.

Ticks run often (minutes); the period key makes the work itself happen once: a day, an ISO week, a
month, per organisation where the work is per organisation (their own time zone decides "Monday 08:00").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.jobs.runner import JobRunner
from storage.retention import apply_retention

if TYPE_CHECKING:
    from bot.app import Services

Tick = Callable[["Services", JobRunner], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A stable id (the APScheduler job id) and how often the tick looks for due work."""

    id: str
    every_minutes: int
    tick: Tick


async def retention_tick(services: Services, runner: JobRunner) -> None:
    now = services.clock.now()

    async def work() -> str:
        before = now - timedelta(days=services.settings.retention_days)
        return (await apply_retention(services.database, before=before, now=now)).summary()

    await runner.once("retention", now.date().isoformat(), work)


JOBS: list[JobSpec] = [
    JobSpec("retention", 60, retention_tick),
]
