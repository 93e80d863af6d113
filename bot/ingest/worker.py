"""Work that happens after a webhook has been answered: bounded, tracked, stopped cleanly, and second to
the answers themselves."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

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


class RouteFirst:
    """Answers at the webhook route go before the work behind them.

    Everything shares one event loop, and a request is answered only after a few turns of it; each turn
    runs every task that is ready. So while any request is being answered, the background evaluations
    take turns one at a time (the route's turns stay short), and when none is, up to ``quiet`` at once.
    """

    def __init__(self, *, quiet: int = 4) -> None:
        self._quiet, self._answering, self._running = quiet, 0, 0
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    def begin(self) -> None:
        self._answering += 1

    def end(self) -> None:
        self._answering -= 1
        if self._answering == 0:
            self._wake()

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        while self._running >= (1 if self._answering else self._quiet):
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # pass the wake-up on, it was not used
                raise
        self._running += 1
        try:
            yield
        finally:
            self._running -= 1
            self._wake()

    def _wake(self) -> None:
        free = (1 if self._answering else self._quiet) - self._running
        while free > 0 and self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1
