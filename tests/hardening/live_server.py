"""The real app served on 127.0.0.1 from a background thread, for synchronous tests (hypothesis, urllib)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bot.app import create_app
from bot.settings import Settings
from tests.fakes.clock import FakeClock

# The live server's clock stands still here: signatures are made for this instant (bot/ingest/signatures.py).
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@dataclass
class LiveServer:
    base: str
    database: Path
    cookie: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if self.cookie:
            all_headers["Cookie"] = self.cookie
        request = urllib.request.Request(  # noqa: S310 (loopback only)
            self.base + path, data=body or None, method=method, headers=all_headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback only)
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def row_counts(self) -> dict[str, int]:
        with sqlite3.connect(self.database) as connection:
            tables = [
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return {t: connection.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def start_live_server(tmp: Path, env: dict[str, str] | None = None) -> tuple[LiveServer, threading.Thread]:
    database = tmp / "live.db"
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{database}", "SCHEDULER_ENABLED": "false", **(env or {})}
    )
    ready: dict[str, object] = {}
    started = threading.Event()
    stop = threading.Event()

    async def serve() -> None:
        app = create_app(settings, sample=True, clock=FakeClock(NOW))
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ready["port"] = runner.addresses[0][1]
        started.set()
        await asyncio.to_thread(stop.wait)
        await runner.cleanup()

    thread = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    thread.start()
    if not started.wait(timeout=60):
        raise RuntimeError("the live server did not start")
    server = LiveServer(f"http://127.0.0.1:{ready['port']}", database, _stop=stop)
    return server, thread


def log_in(server: LiveServer) -> None:
    _status, body = server.request("GET", "/webchat/api/people")
    person = json.loads(body)["people"][0]["id"]
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        server.base + "/webchat/api/session",
        method="POST",
        data=json.dumps({"person_id": person}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback only)
        server.cookie = response.headers["Set-Cookie"].split(";", 1)[0]
