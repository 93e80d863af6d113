"""Run a job for a period at most once: claim the (job, period) row first, record how it ended."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.ports import Clock
from storage.jobs import SqlJobRuns

log = logging.getLogger(__name__)

# A run still marked "running" after this long died with its process; another may take it over.
STALE_AFTER = timedelta(hours=1)


class JobRunner:
    def __init__(self, runs: SqlJobRuns, clock: Clock) -> None:
        self._runs, self._clock = runs, clock

    async def once(self, job_id: str, period: str, work: Callable[[], Awaitable[str]]) -> bool:
        """Run ``work`` unless this (job, period) already ran; True when it ran now."""
        if not await self._runs.claim(
            job_id=job_id, period=period, now=self._clock.now(), stale_after=STALE_AFTER
        ):
            return False
        try:
            detail = await work()
        except Exception as error:  # one failing job must not stop the scheduler or the other jobs
            log.exception("job %s for %s failed", job_id, period)
            await self._runs.finish(
                job_id=job_id, period=period, now=self._clock.now(), ok=False, detail=type(error).__name__
            )
            return False
        await self._runs.finish(job_id=job_id, period=period, now=self._clock.now(), ok=True, detail=detail)
        log.info("job %s for %s done: %s", job_id, period, detail)
        return True
