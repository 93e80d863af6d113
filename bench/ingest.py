"""Graph change notifications end to end: POST /webhooks/graph -> 202 -> event fetched from the fake
Graph -> nudge engine -> outbox row, on PostgreSQL.

Run: .venv/bin/python bench/ingest.py [--notifications N] [--people P] [--concurrency C] [--engine E]
    [--workers W] [--profile FILE]
Goals (issue 7): at least 300 notifications/s end to end to the outbox, and the 202 answered in under
50 ms at p99.

`remm-bot serve` runs as its own process (as in production, a web process, SCHEDULER_ENABLED=false), and
beside it W `remm-bot worker` processes (1 by default) that work the notifications off (both with
INGEST_IN_WORKERS=true: the web process only records them and answers 202). `--workers 0` is the
one-process shape: the web process evaluates them itself. All against a fresh database (PostgreSQL at
127.0.0.1:5432 as user postgres, or BENCH_SERVER_URL; dropped at the end). This process seeds it (the
sample organisation plus P people in Stockholm, each with a Graph subscription), serves the fake Graph
(token endpoint and events, tests/ingest/fakes.py) from a process of its own, and sends the
notifications, C at a time, one per request in Microsoft's documented shape. Each notification is a
distinct in-person meeting next week in another town, so each must end as one outbox row.

When a row reached the outbox is the moment this process first saw it (looked for every 20 ms), not the
row's ``created_at``: that is when the message is due, which outside working hours is the next morning.
``--profile FILE`` runs the server under cProfile and writes its statistics to FILE at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repository

import aiohttp
from aiohttp import web
from sqlalchemy import func, select
from sqlmodel import col

from bench.scratch import process_cpu, scratch_database
from bench.serving import free_port, wait_ready
from bot.app import open_services
from bot.heap import settle_heap
from bot.sample_loader import load_sample
from bot.settings import Settings
from storage.database import Database
from storage.jobs import LeaderLock
from storage.people import PersonRecord
from storage.tables import InboundRow, OutboxRow
from storage.tables_ingest import CalendarLinkRow
from tests.ingest.fakes import FakeGraph, payload

ROOT = Path(__file__).resolve().parents[1]
GOAL_PER_SECOND = 300.0
GOAL_P99_MS = 50.0
WINDOW = 500  # outbox ids read again on every look: more than the server ever has in flight
TOWNS = (
    "Umeå",
    "Luleå",
    "Sundsvall",
    "Östersund",
    "Kiruna",
    "Malmö",
    "Göteborg",
    "Karlstad",
    "Växjö",
    "Visby",
)
TENANT = "1717622f-1d94-4d0c-9d74-709fad664b77"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notifications", type=int, default=3000)
    parser.add_argument("--people", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--engine", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--workers", type=int, default=1, help="worker processes; 0: the web process works")
    parser.add_argument("--profile", type=Path, help="cProfile the server process into this file")
    args = parser.parse_args()
    if args.notifications > 2 * args.people:
        parser.error("at most two notifications per person (the weekly cap is three nudges)")
    ok = asyncio.run(run(args))
    sys.exit(0 if ok else 1)


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="remm-bench-ingest-") as folder:
        async with scratch_database(args.engine, Path(folder)) as url:
            graph_url = f"http://127.0.0.1:{free_port()}"
            settings = _settings(url, graph_url, port=free_port())
            mailboxes = await seed(settings, args.people)
            fake = FakeGraph(url=graph_url)
            notifications = _events(fake, mailboxes, args.notifications)
            server = _server(settings, Path(folder), profile=args.profile, workers=args.workers)
            async with _scheduler_led_elsewhere(settings):
                with _fake_graph_process(fake), server as base:
                    await wait_ready(f"{base}/readyz")
                    return await measure(settings, base, notifications, args, server)


@asynccontextmanager
async def _scheduler_led_elsewhere(settings: Settings) -> AsyncIterator[None]:
    """This script holds the scheduler's lock for the run: the measured workers deliver the outbox and
    work off notifications, as every worker but the one leading the scheduler does. The leader would run
    every job at its start, a catch-up of every mailbox among them, which already finds this run's
    events at the fake Graph before a notification is sent."""
    database = Database.open(settings.database_url)
    lock = LeaderLock(database)
    try:
        if not await lock.acquire():
            raise SystemExit("another process leads the scheduler on the bench database")
        yield
    finally:
        await lock.release()
        await database.close()


@contextmanager
def _fake_graph_process(fake: FakeGraph) -> Iterator[None]:
    """The fake Graph in a process of its own, so that serving it does not slow down this process's
    requests and their timing."""
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    process = context.Process(target=_serve_fake_graph, args=(fake, ready), daemon=True)
    process.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the fake Graph did not start")
        yield
    finally:
        process.terminate()
        process.join(10)


def _serve_fake_graph(fake: FakeGraph, ready: Any) -> None:
    async def serve() -> None:
        runner = web.AppRunner(fake.app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", int(fake.url.rsplit(":", 1)[1])).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(serve())


def _settings(url: str, graph_url: str, *, port: int) -> Settings:
    return Settings.from_env(
        {
            "DATABASE_URL": url,
            "PORT": str(port),
            "SCHEDULER_ENABLED": "false",
            "PUBLIC_URL": "https://remm.example.se",
            "GRAPH_API_URL": f"{graph_url}/v1.0",
            "GRAPH_TOKEN_URL": graph_url,
            "MICROSOFT_APP_ID": "11111111-2222-3333-4444-555555555555",
            "MICROSOFT_APP_PASSWORD": "app-password",
            "MICROSOFT_APP_TENANT_ID": TENANT,
            "LOG_LEVEL": "WARNING",
        }
    )


async def seed(settings: Settings, people: int) -> list[tuple[str, str, str]]:
    """The sample organisation and ``people`` more in Stockholm, each subscribed: (email, id, secret)."""
    services = await open_services(settings)
    try:
        organisation, _ = await load_sample(services)
        stockholm = next(o for o in await services.offices.list(organisation.id) if o.name == "Stockholm")
        records = [
            PersonRecord(email=f"bench{i:05d}@mhs.example.se", name=f"Bench {i}", office_id=stockholm.id)
            for i in range(people)
        ]
        await services.people.upsert_many(organisation.id, records)
        found = await services.people.by_emails(organisation.id, [r.email for r in records])
        now = datetime.now(UTC)
        rows = [
            CalendarLinkRow(
                organisation_id=organisation.id,
                person_id=found[r.email].id,
                provider="graph",
                external_id=str(uuid.uuid4()),
                mailbox=r.email,
                secret=uuid.uuid4().hex + uuid.uuid4().hex,
                expires_at=now + timedelta(days=3),
                created_at=now,
            )
            for r in records
        ]
        async with services.database.transaction() as session:
            session.add_all(rows)
        return [(row.mailbox, row.external_id, row.secret) for row in rows]
    finally:
        await services.ingest.close()
        await services.database.close()


def _events(fake: FakeGraph, mailboxes: list[tuple[str, str, str]], count: int) -> list[tuple[str, bytes]]:
    """One in-person meeting next week per notification (two per person at most); returns (iCalUId, body)."""
    monday = _next_monday(datetime.now(UTC).date())
    notifications = []
    for n in range(count):
        mailbox, subscription, secret = mailboxes[n % len(mailboxes)]
        day = monday + timedelta(days=1 + (n // len(mailboxes)))
        event_id, ical = f"AAMkAD{n:06d}=", f"040000008200E00074C5B7101A82E008{n:032d}"
        event = payload(
            "graph/event_umea.json",
            organiser=mailbox,
            organiser_name="-",
            attendee=mailbox,
            attendee_name="-",
        )
        event |= {
            "id": event_id,
            "iCalUId": ical,
            "start": {"dateTime": datetime.combine(day, clock_time(8)).isoformat(), "timeZone": "UTC"},
            "end": {"dateTime": datetime.combine(day, clock_time(14)).isoformat(), "timeZone": "UTC"},
            "location": {"displayName": f"Länsstyrelsen, {TOWNS[n % len(TOWNS)]}"},
        }
        fake.put_event(mailbox, event)
        body = payload(
            "graph/change_notification.json",
            subscription_id=subscription,
            client_state=secret,
            event_id=event_id,
            user_id=str(uuid.uuid4()),
        )
        body["value"][0]["resourceData"]["@odata.etag"] = f'W/"{n}"'
        notifications.append((ical, json.dumps(body).encode()))
    return notifications


def _next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


_PROFILED = """
import cProfile, runpy, sys, time
out, script = sys.argv[1], sys.argv[2]
sys.argv = sys.argv[2:]
profile = cProfile.Profile(time.process_time)
try:
    profile.runcall(runpy.run_path, script, run_name="__main__")
except SystemExit:
    pass
finally:
    profile.dump_stats(out)
"""


class _server:
    """`remm-bot serve` in its own process, and ``workers`` `remm-bot worker` processes beside it; all
    stopped with SIGINT (a clean shutdown) at the end."""

    def __init__(
        self, settings: Settings, folder: Path, *, profile: Path | None = None, workers: int
    ) -> None:
        self._settings, self._folder, self._profile, self._workers = settings, folder, profile, workers
        self._process: subprocess.Popen[bytes] | None = None
        self._worker_processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> str:
        env = os.environ | {
            "DATABASE_URL": self._settings.database_url,
            "PORT": str(self._settings.port),
            "HOST": "127.0.0.1",
            "SCHEDULER_ENABLED": "false",
            "PUBLIC_URL": self._settings.public_url,
            "GRAPH_API_URL": self._settings.graph_api_url,
            "GRAPH_TOKEN_URL": self._settings.graph_token_url,
            "MICROSOFT_APP_ID": self._settings.microsoft_app_id,
            "MICROSOFT_APP_PASSWORD": self._settings.microsoft_app_password.value,
            "MICROSOFT_APP_TENANT_ID": self._settings.microsoft_app_tenant_id,
            "LOG_LEVEL": "WARNING",
            "INGEST_IN_WORKERS": "true" if self._workers else "false",
        }
        remm_bot = str(ROOT / ".venv" / "bin" / "remm-bot")
        command = [remm_bot, "serve"]
        if self._profile is not None:  # CPU time, not wall time: the machine may be busy with others
            command = [sys.executable, "-c", _PROFILED, str(self._profile.resolve()), *command]
        self._process = _start(command, env, self._folder / "serve.log")
        self._worker_processes = [
            _start([remm_bot, "worker"], env, self._folder / f"worker-{n}.log") for n in range(self._workers)
        ]
        return f"http://127.0.0.1:{self._settings.port}"

    def cpu_seconds(self) -> float:
        """User and system CPU of the server process so far."""
        assert self._process is not None
        return process_cpu(self._process.pid)

    def worker_cpu_seconds(self) -> float:
        return sum(process_cpu(process.pid) for process in self._worker_processes)

    def __exit__(self, *_exc: object) -> None:
        processes = [p for p in (self._process, *self._worker_processes) if p is not None]
        for process in processes:
            process.send_signal(2)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in sorted(self._folder.glob("*.log")):
            _report_log(log)


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603 (our CLI)


def _report_log(log: Path) -> None:
    """Warnings, errors and the first traceback a process logged (it logs warnings and up only)."""
    name, lines = log.stem, log.read_text(errors="replace").splitlines()
    logged = [line for line in lines if " WARNING " in line or " ERROR " in line]
    if logged:
        print(f"   {name} logged {len(logged)} warnings and errors; the first ones:")
        print("\n".join(f"     {line[:200]}" for line in logged[:10]))
    errors = [n for n, line in enumerate(lines) if "Traceback" in line]
    if errors:
        print(f"   {name} logged {len(errors)} tracebacks; the first:")
        print("\n".join(lines[max(0, errors[0] - 2) : errors[0] + 40]))


async def measure(
    settings: Settings,
    base: str,
    notifications: list[tuple[str, bytes]],
    args: argparse.Namespace,
    server: _server,
) -> bool:
    services = await open_services(settings, migrate=False)
    try:
        cpu, worker_cpu = server.cpu_seconds(), server.worker_cpu_seconds()
        seen: dict[str, float] = {}
        watching = asyncio.create_task(_watch_outbox(services, seen, len(notifications)))
        settle_heap()  # this process's own collector pauses would count as the server's latency
        latencies, sent_at, statuses = await _send(base, notifications, args.concurrency)
        done_at = await watching
        cpu, worker_cpu = server.cpu_seconds() - cpu, server.worker_cpu_seconds() - worker_cpu
        created = seen
        if len(seen) < len(notifications):
            await _explain(services, notifications, seen)
        await _worked_off(services, min(sent_at.values()))
    finally:
        await services.ingest.close()
        await services.database.close()
    workers = f" + workers {worker_cpu * 1000 / len(notifications):.1f}" if args.workers else ""
    print(
        f"   CPU per notification: web process {cpu * 1000 / len(notifications):.1f}{workers} ms; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    return _report(latencies, sent_at, created, done_at, statuses, args)


async def _send(
    base: str, notifications: list[tuple[str, bytes]], concurrency: int
) -> tuple[list[float], dict[str, float], dict[int, int]]:
    latencies: list[float] = []
    sent_at: dict[str, float] = {}
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for item in notifications:
        queue.put_nowait(item)
    # Graph delivers from a pool of addresses; the webhooks' per-source rate limit counts each one. Each
    # sender here has its own loopback source address (127.0.0.0/8 is all loopback on Linux).
    sessions = [
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1, local_addr=(f"127.0.1.{n + 1}", 0)))
        for n in range(concurrency)
    ]
    try:

        async def worker(session: aiohttp.ClientSession) -> None:
            while not queue.empty():
                key, body = queue.get_nowait()
                started = time.perf_counter()
                sent_at[key] = time.time()
                async with session.post(
                    f"{base}/webhooks/graph", data=body, headers={"Content-Type": "application/json"}
                ) as response:
                    await response.read()
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status] = statuses.get(response.status, 0) + 1

        await asyncio.gather(*(worker(session) for session in sessions))
    finally:
        for session in sessions:
            await session.close()
    return latencies, sent_at, statuses


async def _watch_outbox(
    services: Any, seen: dict[str, float], expected: int, *, stall: float = 60.0
) -> float:
    """Stamps each outbox row (by its meeting's iCalUId) with when it was first seen; returns when the last
    expected one was, or gives up when no new row has come for ``stall`` seconds. Rows commit out of id
    order (several workers), so each look reads again the last WINDOW ids as well as the new ones."""
    last_id, count, progress = 0, 0, time.time()
    while time.time() - progress < stall:
        async with services.database.session() as session:
            now_count = (await session.execute(select(func.count()).select_from(OutboxRow))).scalar_one()
            if now_count != count:
                query = select(col(OutboxRow.id), OutboxRow.key).where(col(OutboxRow.id) > last_id - WINDOW)
                rows = (await session.execute(query)).all()
            else:
                rows = []
        now = time.time()
        for row_id, key in rows:
            if seen.setdefault(key.rsplit(":", 1)[1], now) == now:
                count += 1
                last_id, progress = max(last_id, row_id), now
        if len(seen) >= expected:
            return now
        await asyncio.sleep(0.02)
    return time.time()


async def _worked_off(services: Any, first: float) -> None:
    """The ingestion side alone: notifications marked done in the inbound log (the nudge engine included)."""
    async with services.database.session() as session:
        query = select(func.count(), func.max(InboundRow.done_at)).where(InboundRow.state == "done")
        done, last = (await session.execute(query)).one()
    if done and last is not None:
        wall = last.timestamp() - first
        print(f"   inbound rows worked off: {done} in {wall:.1f} s, {done / wall:.0f}/s")


async def _explain(services: Any, notifications: list[tuple[str, bytes]], seen: dict[str, float]) -> None:
    """Where the notifications without an outbox row are: the inbound log's states, and a few missing."""
    async with services.database.session() as session:
        query = select(InboundRow.state, col(InboundRow.lease_until).is_(None), func.count()).group_by(
            InboundRow.state, col(InboundRow.lease_until).is_(None)
        )
        states = (await session.execute(query)).all()
    print(f"   inbound (state, lease unset, rows): {[tuple(row) for row in states]}")
    missing = [key for key, _ in notifications if key not in seen]
    print(f"   missing from the outbox: {len(missing)}, e.g. {missing[:3]}")


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    pick = lambda share: ordered[min(len(ordered) - 1, int(share * len(ordered)))]  # noqa: E731
    return pick(0.50), pick(0.95), pick(0.99)


def _report(
    latencies: list[float],
    sent_at: dict[str, float],
    created: dict[str, float],
    done_at: float,
    statuses: dict[int, int],
    args: argparse.Namespace,
) -> bool:
    first = min(sent_at.values())
    rows = sum(1 for key in sent_at if key in created)
    wall = max(created.values(), default=done_at) - first
    rate = rows / wall if wall > 0 else 0.0
    p50, p95, p99 = _percentiles(latencies)
    e2e = [(created[key] - sent) * 1000 for key, sent in sent_at.items() if key in created]
    e50, e95, e99 = _percentiles(e2e) if e2e else (0.0, 0.0, 0.0)
    print(
        f"engine: {args.engine}; {len(sent_at)} notifications, {args.concurrency} at a time, "
        f"{os.cpu_count()} cores"
    )
    print(f"   answers: {dict(sorted(statuses.items()))}; outbox rows: {rows} of {len(sent_at)}")
    print(f"   202 latency ms: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  (goal p99 < {GOAL_P99_MS:.0f})")
    w50, w95, w99 = _percentiles(latencies[2 * args.concurrency :] or latencies)
    print(
        f"   the same without the first {2 * args.concurrency} (new connections): "
        f"p50 {w50:.1f}  p95 {w95:.1f}  p99 {w99:.1f}"
    )
    print(f"   end to end to the outbox: {rate:.0f}/s over {wall:.1f} s  (goal >= {GOAL_PER_SECOND:.0f}/s)")
    print(f"   notification to outbox row ms: p50 {e50:.0f}  p95 {e95:.0f}  p99 {e99:.0f}")
    verdicts = [
        ("202 p99", p99 < GOAL_P99_MS),
        ("throughput", rate >= GOAL_PER_SECOND and rows == len(sent_at)),
    ]
    for name, ok in verdicts:
        print(f"   {name}: {'PASS' if ok else 'FAIL'}")
    return all(ok for _, ok in verdicts)


if __name__ == "__main__":
    main()
