"""Teams turns: the full app against a bare Agents SDK echo agent, in the same run, on loopback.

Run: .venv/bin/python bench/teams_turns.py [--messages N] [--concurrency C] [--engine sqlite|postgres]
     [--text TEXT] [--adapter-only]
Goal (issue 6): the full app answers at least as many messages per second as the bare agent.
CPU per message is the whole process (load generator and fake connector included, the same for both).

Both servers take the same Teams personal-chat messages (N, default 1,000, C at a time, default 20) on
127.0.0.1 and answer through the same fake Bot Connector, also on 127.0.0.1, which only counts. The bare
agent is the SDK as its samples use it: AgentApplication with MemoryStorage, CloudAdapter, the JWT
middleware in anonymous mode, an echo reply. The full app is `create_app` on the sample organisation:
token check, inbound log (dedupe), person lookup by Entra id and reference refresh, the preferences, the
router, and the reply. It runs second, because its start-up caches the SDK's product string for the whole
process. Before the full app is measured, each sample person writes once (linking and the privacy notice).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
import uuid
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from the repository

from aiohttp import ClientSession, TCPConnector, web

from bench.scratch import scratch_database
from bot.app import SERVICES, create_app
from bot.settings import Settings
from storage.teams import SqlTeamsContacts
from storage.teams_turns import SqlTeamsTurns

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT = {"id": "28:c9e8c047-2a74-40a2-b28a-b162d5f5327c", "name": "remm-bot"}


@dataclass
class Connector:
    """A fake Bot Connector that answers every POST/PUT at once and counts; member lookups by user id."""

    emails: dict[str, str] = field(default_factory=dict)
    replies: int = 0
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("POST", "/v3/conversations/{cid}/activities/{aid}", self._reply)
        app.router.add_route("POST", "/v3/conversations/{cid}/activities", self._reply)
        app.router.add_route("GET", "/v3/conversations/{cid}/members/{uid}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _reply(self, request: web.Request) -> web.Response:
        await request.read()
        self.replies += 1
        return web.json_response({"id": f"1:{self.replies}"})

    async def _member(self, request: web.Request) -> web.Response:
        uid = request.match_info["uid"]
        return web.json_response({"id": uid, "aadObjectId": uid[3:], "email": self.emails.get(uid, "")})


def activity(connector: Connector, user: str, text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": uuid.uuid4().hex,
        "channelId": "msteams",
        "serviceUrl": connector.url,
        "from": {"id": user, "aadObjectId": user[3:], "name": "Bench"},
        "recipient": BOT,
        "conversation": {"id": f"a:{user[3:]}", "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
        "text": text,
        "locale": "sv-SE",
    }


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float]
    replies: int
    statuses: dict[int, int]
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def line(self) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        return (
            f"{self.name:<28} {self.rate:8.1f} msgs/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
            f"CPU {self.cpu_seconds / len(ordered) * 1000:5.2f} ms/msg   replies {self.replies}   "
            f"statuses {self.statuses}"
        )


async def load(
    url: str, bodies: list[dict[str, Any]], concurrency: int, connector: Connector, name: str
) -> Result:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    before = connector.replies
    async with ClientSession(connector=TCPConnector(limit=concurrency)) as session:

        async def one(body: dict[str, Any]) -> None:
            async with gate:
                started = time.perf_counter()
                async with session.post(url, json=body) as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                latencies.append(time.perf_counter() - started)

        began, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(body) for body in bodies))
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    return Result(name, seconds, latencies, connector.replies - before, statuses, cpu)


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages"
    finally:
        await runner.cleanup()


def bare_agent() -> web.Application:
    """The SDK's own echo sample, anonymous (no app id), as Microsoft's quickstart hosts it."""
    from microsoft_agents.authentication.msal import MsalConnectionManager
    from microsoft_agents.hosting.aiohttp import (
        CloudAdapter,
        jwt_authorization_middleware,
        start_agent_process,
    )
    from microsoft_agents.hosting.core import (
        AgentApplication,
        AgentAuthConfiguration,
        MemoryStorage,
        TurnContext,
        TurnState,
    )

    configuration = AgentAuthConfiguration(anonymous_allowed=True)
    manager = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": configuration})
    adapter = CloudAdapter(connection_manager=manager)
    agent: AgentApplication[TurnState] = AgentApplication[TurnState](
        storage=MemoryStorage(), connection_manager=manager
    )

    @agent.activity("message")
    async def echo(context: TurnContext, _state: TurnState) -> None:
        await context.send_activity(f"You said: {context.activity.text}")

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await start_agent_process(request, agent, adapter)
        return response if response is not None else web.Response(status=202)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    app["agent_configuration"] = configuration
    app.router.add_post("/api/messages", messages)
    return app


async def run_bare(args: argparse.Namespace, connector: Connector, users: list[str]) -> Result:
    async with serving(bare_agent()) as url:
        warm = [activity(connector, user, "hej") for user in users[:20]]
        await load(url, warm, args.concurrency, connector, "warm-up")
        bodies = [activity(connector, users[i % len(users)], args.text) for i in range(args.messages)]
        return await load(url, bodies, args.concurrency, connector, "bare Agents SDK echo")


def without_database(app: web.Application) -> None:
    """Diagnostic (--adapter-only): the inbound log keeps nothing and the reads per turn (the person, their
    preferences) are remembered after the first, so what is left is the Teams adapter and the router."""
    numbers = iter(range(1, 10**9))

    async def begin(*_: Any, **__: Any) -> int:
        return next(numbers)

    async def finish(*_: Any, **__: Any) -> None:
        return None

    SqlTeamsTurns.begin = begin  # type: ignore[method-assign]
    SqlTeamsTurns.finish = finish  # type: ignore[method-assign]
    SqlTeamsTurns.preferences_soon = _remembered(SqlTeamsTurns.preferences_soon)  # type: ignore[method-assign]
    SqlTeamsContacts.find = _remembered_find(SqlTeamsContacts.find)  # type: ignore[method-assign]


def _remembered(read: Any) -> Any:
    """A read answered once, then from memory (the answer is a future; a done one can be awaited again)."""
    seen: dict[Any, Any] = {}

    def remembered(self: Any, key: Any) -> Any:
        if key not in seen:
            seen[key] = read(self, key)
        return seen[key]

    return remembered


def _remembered_find(find: Any) -> Any:
    seen: dict[Any, Any] = {}

    async def remembered(self: Any, **keys: str) -> Any:
        key = tuple(sorted(keys.items()))
        if key not in seen:
            seen[key] = await find(self, **keys)
        return seen[key]

    return remembered


async def run_full(args: argparse.Namespace, connector: Connector, database_url: str) -> Result:
    env = {
        "DATABASE_URL": database_url,
        "SCHEDULER_ENABLED": "false",
        "HOST": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    app = create_app(Settings.from_env(env), sample=True)
    async with serving(app) as url:
        services = app[SERVICES]
        organisation = (await services.organisations.all())[0]
        people = list(await services.people.list(organisation.id))
        users = [f"29:{uuid.uuid5(uuid.NAMESPACE_URL, p.email)}" for p in people]
        connector.emails.update({user: p.email for user, p in zip(users, people, strict=True)})
        warm = [activity(connector, user, "hej") for user in users]
        await load(url, warm, args.concurrency, connector, "warm-up")
        name = "full app (remm-bot)"
        if args.adapter_only:
            without_database(app)
            name = "remm-bot, no database"
        bodies = [activity(connector, users[i % len(users)], args.text) for i in range(args.messages)]
        return await load(url, bodies, args.concurrency, connector, name)


async def run(args: argparse.Namespace) -> bool:
    connector = Connector()
    await connector.start()
    try:
        users = [f"29:{uuid.uuid4()}" for _ in range(62)]
        bare = await run_bare(args, connector, users)
        async with scratch_database(args.engine) as url:
            full = await run_full(args, connector, url)
    finally:
        await connector.stop()
    print(
        f"{args.messages} personal messages, {args.concurrency} at a time, text {args.text!r}, {args.engine}"
    )
    print(bare.line())
    print(full.line())
    passed = full.rate >= bare.rate and full.statuses == {202: args.messages}
    verdict = "PASS" if passed else "FAIL"
    if args.adapter_only:
        print(f"diagnostic (no database): {full.rate / bare.rate:.2f} x the bare agent; not the goal")
        return True
    print(f"goal: full app >= bare agent ({full.rate:.1f} vs {bare.rate:.1f} msgs/s): {verdict}")
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--text", default="hjälp", help="what every message says (default: the help command)")
    parser.add_argument(
        "--adapter-only",
        action="store_true",
        help="diagnostic: no database work per turn (no dedupe, reads remembered): the adapter alone",
    )
    args = parser.parse_args()
    # The SDK's own sample stores its configuration under a string key; aiohttp warns about that.
    warnings.filterwarnings("ignore", message=".*AppKey.*")
    logging.getLogger("microsoft_agents").setLevel(logging.ERROR)  # it warns on every turn without an app id
    sys.exit(0 if asyncio.run(run(args)) else 1)


if __name__ == "__main__":
    main()
