"""Work that happens after a webhook has been answered: bounded, tracked, and stopped cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class BackgroundWork:
    """At most ``concurrency`` jobs run at once; the rest wait their turn (the webhook was answered)."""

    def __init__(self, concurrency: int = 8) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def submit(self, label: str, job: Callable[[], Awaitable[None]]) -> None:
        if self._closed:
            log.warning("background work is stopping; %s left for the next start", label)
            return
        task = asyncio.create_task(self._run(label, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, label: str, job: Callable[[], Awaitable[None]]) -> None:
        async with self._slots:
            try:
                await job()
            except Exception:  # one bad event must not stop the others; it stays unfinished to resume
                log.exception("background job %s failed", label)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait until everything submitted so far (and what it submitted) is done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, *, grace_seconds: float = 5.0) -> None:
        """Give running work a moment to finish, then cancel the rest (the inbound log resumes it)."""
        self._closed = True
        if not self._tasks:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace_seconds):
                await self.drain()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
