"""`remm-bot worker`: the outbox dispatcher without the HTTP server (split deployments, design 7)."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app import Services
from bot.commands.common import load_settings, run, with_services

log = logging.getLogger(__name__)


def worker_command() -> None:
    """Deliver the outbox (any number of workers share it on PostgreSQL); stops on SIGTERM or Ctrl+C."""
    run(with_services(load_settings(), _work))


async def _work(services: Services) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker delivering the outbox")
    await services.start_dispatcher().run_forever(stop)
