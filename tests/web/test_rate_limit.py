from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.web.rate_limit import SourceRateLimit


def test_a_source_gets_its_burst_then_waits_and_others_are_unaffected() -> None:
    limit = SourceRateLimit(per_second=2, burst=3)

    first = [limit.allow("10.0.0.1", now=100.0) for _ in range(4)]
    other = limit.allow("10.0.0.2", now=100.0)
    later = limit.allow("10.0.0.1", now=100.6)

    assert first[:3] == [0.0, 0.0, 0.0] and first[3] > 0
    assert other == 0.0 and later == 0.0


async def test_webhook_floods_get_429_with_retry_after_and_other_routes_do_not() -> None:
    limit = SourceRateLimit(per_second=1, burst=2)

    async def ok(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application(middlewares=[limit.middleware])
    app.add_routes(
        [web.post("/webhooks/travel", ok), web.post("/webhooks/graph", ok), web.get("/healthz", ok)]
    )
    async with TestClient(TestServer(app)) as client:
        statuses = [(await client.post("/webhooks/travel")).status for _ in range(4)]
        limited = await client.post("/webhooks/travel")
        health = [(await client.get("/healthz")).status for _ in range(5)]
        graph = [(await client.post("/webhooks/graph")).status for _ in range(5)]
        body = await limited.json()

    assert statuses[:2] == [200, 200] and 429 in statuses[2:]
    assert limited.status == 429 and limited.headers["Retry-After"] and body["error"] == "rate_limited"
    assert health == [200] * 5 and graph == [200] * 5
