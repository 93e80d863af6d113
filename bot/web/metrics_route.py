"""GET /metrics: Prometheus text format. Outbox depth and age are read from the database at each scrape."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import metrics

OutboxGauges = Callable[[], Awaitable[tuple[dict[str, int], float]]]


def metrics_routes(outbox_gauges: OutboxGauges) -> list[web.RouteDef]:
    async def scrape(_request: web.Request) -> web.Response:
        depth, oldest = await outbox_gauges()
        for state, count in depth.items():
            metrics.outbox_depth.labels(state).set(count)
        metrics.outbox_oldest_seconds.set(oldest)
        body = generate_latest(metrics.REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/metrics", scrape)]
