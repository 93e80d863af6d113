"""`remm-bot worker`: the outbox dispatcher without the HTTP server (split deployments, design 7)."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app import Services, background_work
from bot.commands.common import load_settings, run, with_services
from bot.heap import settle_heap

log = logging.getLogger(__name__)


def worker_command() -> None:
    """Deliver the outbox and run the scheduler when this worker leads (any number may run)."""
    run(with_services(load_settings(), _work))


async def _work(services: Services) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker delivering the outbox and taking part in scheduling")
    settle_heap()
    async with background_work(services, always=True):
        await stop.wait()
