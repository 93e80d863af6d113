"""`remm-bot worker`: the outbox dispatcher and the scheduler without the HTTP server (split deployments,
design 7), and with INGEST_IN_WORKERS the Graph notifications the web processes accepted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator

from bot.app import Services, background_work
from bot.commands.common import load_settings, run, with_services
from bot.heap import settle_heap

log = logging.getLogger(__name__)


def worker_command() -> None:
    """Deliver the outbox and run the scheduler when this worker leads (any number may run)."""
    settings = load_settings()
    yield_to_web_processes(settings.worker_niceness)
    run(with_services(settings, _work))


def yield_to_web_processes(niceness: int) -> int:
    """Lower this process's CPU priority by ``niceness`` (WORKER_NICENESS); returns the priority now.

    A web process must answer within the platforms' deadlines (Slack 3 s, Graph's notifications at once);
    a worker's work (nudges, deliveries, jobs) can wait a moment. Where both share a machine, the kernel
    then gives the web processes the CPU first. Where a worker runs alone, this changes nothing."""
    return os.nice(niceness)


async def _work(services: Services) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker delivering the outbox and taking part in scheduling")
    settle_heap()
    # The scheduler stops before the calendar kit it uses is closed.
    async with calendar_notifications(services), background_work(services, always=True):
        await stop.wait()


@contextlib.asynccontextmanager
async def calendar_notifications(services: Services) -> AsyncIterator[None]:
    """With INGEST_IN_WORKERS, the web processes only record Graph's notifications (and answer 202);
    the workers claim them from the inbound log and evaluate them, off the web processes' event loops."""
    if not services.settings.ingest_in_workers:
        yield
        return
    log.info("worker working off the calendar notifications the web processes accept")
    graph = services.ingest.graph_inbox.worker
    graph.start_in_worker()
    try:
        await graph.resume()
        yield
    finally:
        await services.ingest.close()
