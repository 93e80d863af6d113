"""A delivery process for the kill -9 test: what `remm-bot worker` runs, with fast limits and a short lease.

Services, the Slack and Teams messengers and the outbox dispatcher are composed from the settings in the
environment, as in ``bot.app.background_work`` (without the scheduler). The rates are high enough for a
10,000-recipient campaign in seconds, and the lease is short, so that rows a killed process left in
``sending`` are taken again quickly. Exits 0 once no row is queued, retrying or sending; 2 at --deadline.
The last line on stdout is JSON: the dispatcher's counts and this process's ``outbox_redelivered_total``.

Run as a script from the repository: python tests/faults/outbox_worker.py --lease 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from the repository

from bot import metrics
from bot.adapters.slack.outbound import slack_outbound
from bot.adapters.teams.outbound import teams_outbound
from bot.app import Services, open_services
from bot.clock import SystemClock
from bot.delivery import DeliveryLimits, Dispatcher
from bot.logging_setup import configure_logging
from bot.settings import Settings
from storage.outbox import outbox_gauges

CHANNELS = ("slack", "teams", "webchat")


async def unfinished(services: Services) -> int:
    waiting, _age = await outbox_gauges(services.database, now=datetime.now(UTC))
    return sum(waiting.values())


async def work(args: argparse.Namespace) -> int:
    settings = Settings.from_env(os.environ)
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    services = await open_services(settings, migrate=False, clock=SystemClock())
    limits = DeliveryLimits(
        per_channel=dict.fromkeys(CHANNELS, args.rate),
        per_recipient_gap_seconds=0.0,
        lease_seconds=args.lease,
        concurrency=args.concurrency,
        batch=args.batch,
    )
    code = 2
    try:
        async with slack_outbound(services), teams_outbound(services):
            dispatcher = Dispatcher(services.outbox, services.messengers, services.clock, limits=limits)
            code = await deliver(services, dispatcher, args.deadline)
    finally:
        await services.database.close()
    redelivered = {
        channel: metrics.REGISTRY.get_sample_value("outbox_redelivered_total", {"channel": channel}) or 0.0
        for channel in CHANNELS
    }
    print(
        json.dumps({"stats": asdict(dispatcher.stats), "outbox_redelivered_total": redelivered}), flush=True
    )
    return code


async def deliver(services: Services, dispatcher: Dispatcher, deadline: float) -> int:
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run_forever(stop))
    try:
        async with asyncio.timeout(deadline):
            while True:  # bounded by the deadline
                if not await unfinished(services):
                    return 0
                await asyncio.sleep(0.2)
    except TimeoutError:
        print(f"deadline of {deadline} s reached", flush=True)
        return 2
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100_000.0, help="messages/s per platform")
    parser.add_argument("--lease", type=float, default=2.0, help="seconds a claimed row is held")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=50, help="rows claimed at a time")
    parser.add_argument("--deadline", type=float, default=120.0)
    sys.exit(asyncio.run(work(parser.parse_args())))


if __name__ == "__main__":
    main()
