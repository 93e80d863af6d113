"""What bench/load.py measures and prints: outcomes per route, CPU of each process, the server's memory."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.scratch import cpu_of

GOAL_P99_MS = 100.0


@dataclass(frozen=True, slots=True)
class Outcome:
    route: str
    kind: str  # ok | HTTP <status> | timeout | connection (<error>)
    latency_ms: float  # from the scheduled start to the answer (or to giving up)
    lag_ms: float  # how late this script started the request (it counts in the latency too)


def resident_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (the peak since the process started), in KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


async def pg_backends(database_url: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving this database (the server runs on this machine)."""
    import asyncpg

    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return cpu_of([int(row["pid"]) for row in rows])


async def stored(database_url: str) -> dict[str, int]:
    """Rows the load left behind: what the webhooks' nudge engine decided, and what the outbox holds."""
    import asyncpg

    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        return {table: int(await connection.fetchval(f"SELECT count(*) FROM {table}")) for table in _TABLES}  # noqa: S608
    finally:
        await connection.close()


_TABLES = ("meetings", "trips", "nudges", "outbox", "inbound")


@dataclass
class Sampler:
    """The server's VmRSS: once after start-up, every 0.2 s while the load runs, and once at the end."""

    pid: int
    samples: list[int] = field(default_factory=list)
    high_water: int = 0
    loaded_from: int = 0  # the first sample taken under load

    def sample(self) -> None:
        memory = resident_kib(self.pid)
        self.samples.append(memory["VmRSS"])
        self.high_water = memory["VmHWM"]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.loaded_from = len(self.samples)
        self.sample()

        async def loop() -> None:
            while True:
                await asyncio.sleep(0.2)
                self.sample()

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()


def percentiles(values: list[float]) -> tuple[float, float, float, float]:
    ordered = sorted(values)
    if not ordered:
        return (0.0, 0.0, 0.0, 0.0)

    def pick(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return pick(0.50), pick(0.95), pick(0.99), ordered[-1]


@dataclass
class Report:
    args: argparse.Namespace
    outcomes: list[Outcome]
    seconds: float  # from the first request to the last answer
    cpu: dict[str, float]  # process -> CPU seconds while loaded
    memory: Sampler
    drain_s: float | None
    rows: dict[str, int]

    def print(self) -> bool:
        print(
            f"load: {len(self.outcomes)} requests at {self.args.rate:.0f}/s for {self.args.seconds:.0f} s "
            f"(mix {self.args.mix}); {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}"
        )
        self._routes()
        ok = sum(o.kind == "ok" for o in self.outcomes)
        errors = Counter(o.kind for o in self.outcomes if o.kind != "ok")
        achieved = ok / self.seconds if self.seconds > 0 else 0.0
        p99 = percentiles([o.latency_ms for o in self.outcomes])[2]
        self._resources()
        print(
            f"   throughput: {len(self.outcomes)} sent at {self.args.rate:.0f}/s, {ok} answered OK in "
            f"{self.seconds:.1f} s: {achieved:.1f}/s"
        )
        # Open loop: every request went out on schedule, so with no errors and a short p99 the server kept
        # up with the offered rate; a sender that fell behind shows in the latencies too.
        verdicts = [
            (f"errors: {sum(errors.values())} {dict(errors) or ''} (goal 0)", not errors),
            (f"p99 {p99:.1f} ms (goal < {GOAL_P99_MS:.0f} ms)", p99 < GOAL_P99_MS),
        ]
        for text, passed in verdicts:
            print(f"   {text}: {'PASS' if passed else 'FAIL'}")
        return all(passed for _, passed in verdicts)

    def _routes(self) -> None:
        head = f"{'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}"
        print(f"   {'route':<18} {'sent':>6} {'ok':>6}   {head} ms   errors")
        routes = sorted({o.route for o in self.outcomes})
        for route in [*routes, "all"]:
            chosen = [o for o in self.outcomes if route in ("all", o.route)]
            p50, p95, p99, top = percentiles([o.latency_ms for o in chosen])
            errors = Counter(o.kind for o in chosen if o.kind != "ok")
            ok = sum(o.kind == "ok" for o in chosen)
            print(
                f"   {route:<18} {len(chosen):>6} {ok:>6}   {p50:7.1f} {p95:7.1f} {p99:7.1f} {top:7.0f}      "
                f"{dict(errors) if errors else '-'}"
            )
        lag50, _, lag99, lag_max = percentiles([o.lag_ms for o in self.outcomes])
        print(
            f"   sender lag (this script starting requests late; counted in the latencies): "
            f"p50 {lag50:.1f} ms, p99 {lag99:.1f} ms, max {lag_max:.0f} ms"
        )

    def _resources(self) -> None:
        count = len(self.outcomes)
        per_request = ", ".join(f"{name} {seconds * 1000 / count:.2f}" for name, seconds in self.cpu.items())
        busy = sum(self.cpu.values()) / self.seconds if self.seconds > 0 else 0.0
        print(f"   CPU ms per request: {per_request} (together {busy:.2f} of {os.cpu_count()} cores)")
        samples, loaded = self.memory.samples, self.memory.samples[self.memory.loaded_from :]

        def mib(kib: int) -> str:
            return f"{kib / 1024:.0f} MiB"

        print(
            f"   server memory (VmRSS): after start-up {mib(samples[0])}, before the load {mib(loaded[0])}, "
            f"peak while loaded {mib(max(loaded))}, at the end {mib(samples[-1])} "
            f"(VmHWM {mib(self.memory.high_water)})"
        )
        drain = f"{self.drain_s:.1f} s" if self.drain_s is not None else "not within 60 s"
        print(f"   answers at the fake Slack and Bot Connector complete {drain} after the last request")
        print(f"   rows in the database at the end: {self.rows}")


def print_samples(path: str) -> None:
    """py-spy's samples of the server while loaded (--py-spy): where its time went, by package (the frame
    it was in) and by the product's functions (time spent in them or in what they called)."""
    own: Counter[str] = Counter()
    within: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames, n = stack.split(";"), int(count)
        total += n
        own[_package(frames[-1])] += n
        for frame in set(frames):
            if "(bot/" in frame or "(storage/" in frame:
                within[re.sub(r":\d+\)$", ")", frame)] += n
    if not total:
        print("   py-spy recorded no samples")
        return
    print(f"   --- server samples while loaded ({total}): own time by package ---")
    for package, n in own.most_common(12):
        print(f"   {n / total:6.1%}  {package}")
    print("   --- the product's functions, with what they call ---")
    for function, n in within.most_common(30):
        print(f"   {n / total:6.1%}  {function[:120]}")


def _package(frame: str) -> str:
    """The package of a py-spy frame, ``function (path:line)``; socket writes are named (loopback I/O)."""
    if "_SelectorSocketTransport.write" in frame:
        return "socket writes (asyncio transport; mostly to PostgreSQL)"
    path = frame.rpartition("(")[2]
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    top = path.split("/", 1)[0]
    return top if top in ("bot", "storage", "asyncio") else f"other: {path.split(':')[0]}"
