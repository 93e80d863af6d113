"""The slow hostile-input run: N random bodies per POST route (default 10,000) against the real server.

    .venv/bin/python bench/fuzz.py [--cases N] [--route /webchat/api/messages]

Prints, per route, the cases run, the status codes seen, and any 5xx or refused request that stored
a row (the goal: none). The quick version of the same check runs in `make test`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hardening.live_server import LiveServer, log_in, start_live_server
from tests.hardening.test_fuzz_routes import bodies, post_routes


def fuzz_route(server: LiveServer, path: str, cases: int) -> tuple[Counter[int], list[str]]:
    statuses: Counter[int] = Counter()
    problems: list[str] = []

    @settings(max_examples=cases, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(body=bodies)
    def run(body: bytes) -> None:
        before = server.row_counts()
        status, answer = server.request("POST", path, body)
        statuses[status] += 1
        if status >= 500:
            problems.append(f"{status} for {body[:80]!r}: {answer[:120]!r}")
        elif status >= 400 and server.row_counts() != before:
            problems.append(f"{status} stored rows for {body[:80]!r}")

    run()
    return statuses, problems


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--route", action="append", help="only these routes (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server, thread = start_live_server(Path(tmp))
        log_in(server)
        failed = False
        for path in args.route or post_routes():
            started = time.perf_counter()
            statuses, problems = fuzz_route(server, path, args.cases)
            seconds = time.perf_counter() - started
            seen = dict(sorted(statuses.items()))
            print(f"{path}: {sum(statuses.values())} cases in {seconds:.0f} s, statuses {seen}")
            for problem in problems[:5]:
                print(f"   PROBLEM {problem}")
            failed |= bool(problems)
        print(
            json.dumps(
                {"goal": "no 5xx, no row from a refused request", "result": "FAIL" if failed else "PASS"}
            )
        )
        server._stop.set()
        thread.join(timeout=30)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
