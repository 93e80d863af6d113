"""Liveness and readiness: ``/healthz`` answers while the process runs, ``/readyz`` when it can work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

ReadinessCheck = Callable[[], Awaitable[bool]]


def health_routes(checks: Mapping[str, ReadinessCheck]) -> list[web.RouteDef]:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        results = {name: await check() for name, check in checks.items()}
        ready = all(results.values())
        body = {"status": "ready" if ready else "unavailable", "checks": results}
        return web.json_response(
            body, status=200 if ready else 503, headers=None if ready else {"Retry-After": "5"}
        )

    return [web.get("/healthz", healthz), web.get("/readyz", readyz)]
