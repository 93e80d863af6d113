"""The scheduler: APScheduler 3 in whichever process holds the leadership lock (design 7).

Every process that may schedule (serve, worker) runs a small leadership loop; the one holding the
PostgreSQL advisory lock starts the AsyncIOScheduler, the others wait and take over if it goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs.runner import JobRunner
from bot.jobs.ticks import JOBS, JobSpec
from storage.jobs import LeaderLock, SqlJobRuns

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

LEADERSHIP_CHECK_SECONDS = 15.0


class Scheduling:
    def __init__(self, services: Services, jobs: Sequence[JobSpec] = JOBS) -> None:
        self._services, self._jobs = services, list(jobs)
        self._lock = LeaderLock(services.database)
        self.runner = JobRunner(SqlJobRuns(services.database), services.clock)
        self._scheduler: AsyncIOScheduler | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._ticks: set[asyncio.Task[object]] = set()
        self._stopping = False
        self.last_check: datetime | None = None

    @property
    def leading(self) -> bool:
        return self._scheduler is not None

    def healthy(self, now: datetime) -> bool:
        """The leadership loop is alive: it checked within the last few intervals."""
        if self.last_check is None:
            return False
        return (now - self.last_check).total_seconds() < 4 * LEADERSHIP_CHECK_SECONDS

    async def start(self) -> None:
        await self.check_leadership()
        self._loop_task = asyncio.create_task(self._leadership_loop())

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        self._stop_scheduler()
        await self._cancel_running_ticks()
        await self._lock.release()

    async def check_leadership(self) -> None:
        self.last_check = self._services.clock.now()
        if await self._lock.acquire():
            if self._scheduler is None:
                self._start_scheduler()
        elif self._scheduler is not None:
            self._stop_scheduler()

    async def _cancel_running_ticks(self) -> None:
        """APScheduler's shutdown does not stop a tick in flight; a hanging call must not hold the exit."""
        self._stopping = True
        for task in list(self._ticks):
            task.cancel()
        if self._ticks:
            await asyncio.wait(list(self._ticks), timeout=5)

    async def _tracked(self, job: JobSpec) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._ticks.add(task)
        try:
            await job.tick(self._services, self.runner)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # Stopped by this process's shutdown, not failed: APScheduler would log it as an error with
            # a traceback. The run stays claimed and is taken over after an hour (bot/jobs/runner.py).
            log.info("job %s stopped by the shutdown; its run is taken over later", job.id)
        finally:
            if task is not None:
                self._ticks.discard(task)

    async def run_due_now(self) -> None:
        """Every tick once, now (start-up catch-up and tests)."""
        for job in self._jobs:
            await job.tick(self._services, self.runner)

    async def _leadership_loop(self) -> None:
        while True:
            await asyncio.sleep(LEADERSHIP_CHECK_SECONDS)
            try:
                await self.check_leadership()
            except Exception:  # a database hiccup: keep trying; the lock is re-checked next round
                log.exception("scheduler leadership check failed")

    def _start_scheduler(self) -> None:
        scheduler = AsyncIOScheduler(timezone=self._services.settings.timezone)
        for job in self._jobs:
            scheduler.add_job(
                self._tracked,
                IntervalTrigger(minutes=job.every_minutes),
                args=(job,),
                id=job.id,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=job.every_minutes * 60,
                next_run_time=self._services.clock.now(),
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info("this process leads the scheduler (%d jobs)", len(self._jobs))

    def _stop_scheduler(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
            log.info("this process no longer leads the scheduler")
