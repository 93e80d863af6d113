"""A mixed open-loop load against `remm-bot serve` on PostgreSQL: Slack events, Teams messages, webhooks.

Run: .venv/bin/python bench/load.py [--rate 200] [--seconds 60] [--mix slack=40,teams=30,webhooks=30]
Goal (issue 10): 0 errors and p99 under 100 ms at 200 requests/s on this 2-core machine.

`remm-bot serve` runs as its own process, as in production (the scheduler and outbox dispatcher too,
unless --no-scheduler), on a fresh PostgreSQL database that this script creates and drops (127.0.0.1:5432
as user postgres, or BENCH_SERVER_URL). A second process of this script serves the fake Slack Web API and
the fake Bot Connector (tests/slack, tests/teams) on 127.0.0.1, so every answer goes somewhere.

The traffic (bench/load_traffic.py): signed Slack app_mention and message.im events, Teams personal
messages (anonymous on the loopback bind), and signed calendar and travel webhooks in the shapes of design
4.6, from the 61 people of the sample organisation, each of whom first writes once on Slack and Teams
(not measured). Requests start on a fixed schedule (open loop: request i at i/rate seconds), whatever
the answers before them, and each latency counts from the scheduled start, so a slow server cannot hide
its queue by slowing the sender down (coordinated omission). Webhooks come from 8 loopback addresses, as
from several systems: the per-source rate limit is 50/s.

Printed: achieved throughput, errors by kind (non-2xx by status, timeouts, connection errors), latency
p50/p95/p99/max per route and overall, CPU per request of the server, PostgreSQL and this script, the
server's resident memory (VmRSS at start and end, peak while loaded), how long the answers took to reach
the fakes after the last request, and PASS/FAIL per goal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repository

import aiohttp

from bench.load_report import (
    Outcome,
    Report,
    Sampler,
    pg_backends,
    print_samples,
    stored,
)
from bench.load_traffic import (
    SLACK_SECRET,
    SLACK_TOKEN,
    WEBHOOK_SECRET,
    Request,
    Traffic,
    people,
    serve_fakes,
)
from bench.scratch import process_cpu, scratch_database, spent
from bench.serving import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK_SOURCES = 8
GROUPS = {
    "slack": ("slack app_mention", "slack message.im"),
    "teams": ("teams message",),
    "webhooks": ("webhook calendar", "webhook travel"),
}


def main() -> int:
    args = _arguments()
    if args.serve_fakes:
        asyncio.run(serve_fakes())
        return 0
    passed = asyncio.run(run(args))
    if args.py_spy:
        print_samples(args.py_spy)
    return 0 if passed else 1


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load lasts (default 60)")
    parser.add_argument(
        "--mix",
        default="slack=40,teams=30,webhooks=30",
        type=_checked_mix,
        help="shares of slack/teams/webhooks (default slack=40,teams=30,webhooks=30)",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="a request unanswered this long is a timeout"
    )
    parser.add_argument("--no-scheduler", action="store_true", help="serve with SCHEDULER_ENABLED=false")
    parser.add_argument(
        "--py-spy", metavar="FILE", help="sample the server with py-spy while loaded; raw stacks to FILE"
    )
    parser.add_argument("--seed", type=int, default=10, help="the order of the requests (default 10)")
    parser.add_argument("--serve-fakes", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def shares_of(mix: str) -> dict[str, float]:
    """``slack=40,teams=30,webhooks=30`` as shares; argparse's type, so a typo stops the run at once."""
    try:
        shares = {
            group.strip(): float(share) for group, share in (part.split("=") for part in mix.split(","))
        }
    except ValueError:
        raise argparse.ArgumentTypeError(f"{mix!r}: expected e.g. slack=40,teams=30,webhooks=30") from None
    if not shares.keys() <= GROUPS.keys() or sum(shares.values()) <= 0:
        raise argparse.ArgumentTypeError(f"{mix!r}: the groups are {', '.join(GROUPS)}, with positive shares")
    return shares


def _checked_mix(mix: str) -> str:
    shares_of(mix)
    return mix


def plan(args: argparse.Namespace, traffic: Traffic) -> list[Request]:
    """The whole schedule, built before the clock starts: one request per 1/rate seconds, routes shuffled."""
    shares = shares_of(args.mix)
    total = round(args.rate * args.seconds)
    routes: list[str] = []
    for group, share in shares.items():
        kinds = GROUPS[group]
        count = round(total * share / sum(shares.values()))
        routes += [kinds[n % len(kinds)] for n in range(count)]
    routes = routes[:total]
    random.Random(args.seed).shuffle(routes)
    return [traffic.make(route, n) for n, route in enumerate(routes)]


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="remm-bench-load-") as folder, fakes() as urls:
        async with scratch_database() as database_url:
            with serve(args, database_url, urls, Path(folder)) as (server, base):
                await wait_ready(f"{base}/readyz", server=server)
                memory = Sampler(server.pid)
                memory.sample()  # just started: migrated, the sample organisation loaded
                traffic = Traffic(people(), urls["teams"])
                async with Senders() as senders:
                    await first_contacts(base, senders, traffic)
                    await drained(urls["stats"], expected=2 * len(people()), seconds=60)
                    load = Load(base, senders, plan(args, traffic), server.pid, database_url, urls)
                    return (await load.measure(args, memory)).print()


@dataclass
class Load:
    base: str
    senders: Senders
    requests: list[Request]
    server_pid: int
    database_url: str
    urls: dict[str, str]

    async def measure(self, args: argparse.Namespace, memory: Sampler) -> Report:
        before_answers = await answers(self.urls["stats"])
        processes = {"server": self.server_pid, "fakes": int(self.urls["pid"])}
        before = {name: process_cpu(pid) for name, pid in processes.items()}
        bench, database = time.process_time(), await pg_backends(self.database_url)
        async with memory.running(), sampled(args.py_spy, self.server_pid, args.seconds):
            started = time.perf_counter()
            outcomes = await open_loop(self.base, self.senders, self.requests, args.rate, args.timeout)
            loaded = time.perf_counter() - started
        cpu = {
            "server": process_cpu(self.server_pid) - before["server"],
            "postgres": spent(database, await pg_backends(self.database_url)) or 0.0,  # summed in the report
            "this script": time.process_time() - bench,
            "fakes": process_cpu(processes["fakes"]) - before["fakes"],
        }
        chats = sum(1 for r in self.requests if not r.route.startswith("webhook"))
        drain = await drained(self.urls["stats"], expected=before_answers + chats, seconds=60, quiet=True)
        memory.sample()
        return Report(args, outcomes, loaded, cpu, memory, drain, await stored(self.database_url))


async def open_loop(
    base: str, senders: Senders, requests: list[Request], rate: float, give_up_after: float
) -> list[Outcome]:
    """Request i starts at start + i/rate, whether or not the earlier ones have been answered."""
    loop = asyncio.get_running_loop()
    limit = aiohttp.ClientTimeout(total=give_up_after)
    start = loop.time() + 0.2
    tasks = []
    for i, request in enumerate(requests):
        due = start + i / rate
        if (wait := due - loop.time()) > 0:
            await asyncio.sleep(wait)
        session = senders.for_route(request.route, i)
        tasks.append(asyncio.create_task(_one(session, base, request, due, limit)))
    return list(await asyncio.gather(*tasks))


async def _one(
    session: aiohttp.ClientSession, base: str, request: Request, due: float, limit: aiohttp.ClientTimeout
) -> Outcome:
    loop = asyncio.get_running_loop()
    lag = loop.time() - due
    try:
        async with session.post(
            base + request.path, data=request.body, headers=request.headers(), timeout=limit
        ) as answer:
            await answer.read()
            status = answer.status
    except TimeoutError:
        return Outcome(request.route, "timeout", (loop.time() - due) * 1000, lag * 1000)
    except aiohttp.ClientError as error:
        return Outcome(
            request.route, f"connection ({type(error).__name__})", (loop.time() - due) * 1000, lag * 1000
        )
    kind = "ok" if status == request.expected else f"HTTP {status}"
    return Outcome(request.route, kind, (loop.time() - due) * 1000, lag * 1000)


class Senders:
    """Slack, Teams and the webhook senders each from addresses of their own, connections kept open."""

    def __init__(self) -> None:
        self._sessions: dict[str, list[aiohttp.ClientSession]] = {}

    async def __aenter__(self) -> Senders:
        def sessions(prefix: str, count: int) -> list[aiohttp.ClientSession]:
            return [
                aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=0, local_addr=(f"{prefix}.{n + 1}", 0))
                )
                for n in range(count)
            ]

        self._sessions = {
            "slack": sessions("127.0.2", 1),
            "teams": sessions("127.0.3", 1),
            "webhook": sessions("127.0.1", WEBHOOK_SOURCES),
        }
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for group in self._sessions.values():
            for session in group:
                await session.close()

    def for_route(self, route: str, n: int) -> aiohttp.ClientSession:
        group = self._sessions[route.split()[0]]
        return group[n % len(group)]


@asynccontextmanager
async def sampled(path: str | None, pid: int, seconds: float) -> AsyncIterator[None]:
    """py-spy (pip install py-spy) on the server for as long as the load lasts; needs ptrace rights."""
    if not path:
        yield
        return
    command = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--pid", str(pid), "--duration"]
    command += [
        str(max(1, int(seconds))),
        "--rate",
        "100",
        "--nonblocking",
        "--format",
        "raw",
        "--output",
        path,
    ]
    spy = await asyncio.create_subprocess_exec(*command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        await spy.wait()


async def first_contacts(base: str, senders: Senders, traffic: Traffic) -> None:
    """Everyone writes once on Slack and on Teams (linking, the privacy note), a few at a time."""
    gate = asyncio.Semaphore(8)

    async def send(request: Request) -> None:
        async with (
            gate,
            senders.for_route(request.route, 0).post(
                base + request.path, data=request.body, headers=request.headers()
            ) as answer,
        ):
            await answer.read()
            if answer.status != request.expected:
                raise RuntimeError(f"warm-up {request.route}: HTTP {answer.status}")

    await asyncio.gather(*(send(r) for person in people() for r in traffic.first_contact(person)))


async def answers(stats_url: str) -> int:
    """Answers the fakes have received: Slack messages (in a channel or privately) and Teams ones."""
    async with aiohttp.ClientSession() as session, session.get(stats_url) as answer:
        counts = await answer.json()
    slack = sum(counts["slack"].get(m, 0) for m in ("chat.postMessage", "chat.postEphemeral"))
    return int(slack + sum(counts["teams"].values()))


async def drained(stats_url: str, *, expected: int, seconds: float, quiet: bool = False) -> float | None:
    """Seconds until the fakes have received ``expected`` answers, or None when they never do."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        if await answers(stats_url) >= expected:
            return time.perf_counter() - started
        await asyncio.sleep(0.1)
    if not quiet:
        print(f"   warning: only {await answers(stats_url)} of {expected} answers arrived in {seconds:.0f} s")
    return None


# ---- the processes and the database ---------------------------------------------------------------------


@contextmanager
def fakes() -> Iterator[dict[str, str]]:
    """This script again, with --serve-fakes: their URLs come back on its first line of output."""
    child = subprocess.Popen(  # noqa: S603 (this script)
        [sys.executable, __file__, "--serve-fakes"], cwd=ROOT, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the fakes did not start")
        yield json.loads(line)
    finally:
        child.terminate()
        child.wait(timeout=20)


@contextmanager
def serve(
    args: argparse.Namespace, database_url: str, urls: dict[str, str], folder: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`remm-bot serve --sample` on a free port; stopped with SIGINT (a clean shutdown) at the end."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MICROSOFT_", "SLACK_", "DATABASE_"))}
    env |= {
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_API_URL": urls["slack"],
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SCHEDULER_ENABLED": "false" if args.no_scheduler else "true",
        "LOG_LEVEL": "WARNING",
    }
    command = [str(ROOT / ".venv" / "bin" / "remm-bot"), "serve", "--sample"]
    log = folder / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(2)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        _server_log(log)


def _server_log(log: Path) -> None:
    lines = log.read_text(errors="replace").splitlines()
    tracebacks = sum("Traceback" in line for line in lines)
    warnings = [line for line in lines if " WARNING " in line or " ERROR " in line]
    print(f"   server log: {tracebacks} tracebacks, {len(warnings)} warnings/errors")
    for line in warnings[:5]:
        print(f"      {line[:160]}")
    if tracebacks:
        first = next(n for n, line in enumerate(lines) if "Traceback" in line)
        end = next((n for n in range(first + 1, len(lines)) if lines[n][:1].strip()), len(lines))
        print(f"   the first traceback follows: {lines[max(first - 1, 0)][:160]}")
        print("   and ends:")
        for line in lines[max(first, end - 12) : end + 1]:
            print(f"      {line[:160]}")


if __name__ == "__main__":
    sys.exit(main())
