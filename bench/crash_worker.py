"""A dispatcher process for the crash test in bench/nudges.py: delivers the outbox into a file.

Each delivery appends "<outbox id>\\n" to --out and fsyncs it before the dispatcher marks the row sent,
so a delivery survives a kill -9. Exits 0 once no row is queued, retrying or sending; 2 at --deadline.
The last line on stdout is the dispatcher's counts, for the parent to show.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repository

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.delivery import DeliveryLimits, Dispatcher
from bot.domain.delivery import SentRef
from bot.messages import OutgoingMessage, Recipient
from storage.database import Database
from storage.outbox import SqlOutbox
from storage.tables import OutboxRow

UNFINISHED = ("queued", "retry", "sending")


class FileMessenger:
    """Appends one line per delivery with a single write on an O_APPEND descriptor, then fsyncs."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    async def send(self, recipient: Recipient, message: OutgoingMessage, *, key: str) -> SentRef:
        outbox_id = int(recipient.address["outbox_id"])
        os.write(self._fd, f"{outbox_id}\n".encode())
        os.fsync(self._fd)
        return SentRef("webchat", {"outbox_id": outbox_id})

    async def update(self, ref: SentRef, message: OutgoingMessage) -> None:
        raise AssertionError("the crash test sends no updates")

    def close(self) -> None:
        os.close(self._fd)


async def unfinished(database: Database) -> int:
    query = select(func.count()).select_from(OutboxRow).where(OutboxRow.state.in_(UNFINISHED))
    async with database.session() as session:
        return int((await session.execute(query)).scalar_one())


async def work(args: argparse.Namespace) -> int:
    database = Database.open(args.url)
    messenger = FileMessenger(Path(args.out))
    limits = DeliveryLimits(
        per_channel={"webchat": args.rate}, per_recipient_gap_seconds=0.0, lease_seconds=args.lease
    )
    dispatcher = Dispatcher(SqlOutbox(database), {"webchat": messenger}, SystemClock(), limits=limits)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run_forever(stop))
    code = 2
    try:
        async with asyncio.timeout(args.deadline):
            while True:  # bounded by the deadline
                if await unfinished(database) == 0:
                    break
                await asyncio.sleep(0.2)
            code = 0
    except TimeoutError:
        print(f"deadline of {args.deadline} s reached", flush=True)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
        messenger.close()
        await database.close()
    print(f"pid {os.getpid()}: {asdict(dispatcher.stats)}", flush=True)
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--deadline", type=float, default=120.0)
    sys.exit(asyncio.run(work(parser.parse_args())))


if __name__ == "__main__":
    main()
