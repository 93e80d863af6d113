from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.settings import Settings


async def test_liveness_and_readiness_answer_when_the_database_is_there(
    aiohttp_client: object, tmp_path: Path
) -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "SCHEDULER_ENABLED": "false"}
    )
    client: TestClient = await aiohttp_client(create_app(settings))  # type: ignore[operator]

    live = await client.get("/healthz")
    ready = await client.get("/readyz")

    assert live.status == 200
    assert ready.status == 200
    assert (await ready.json())["checks"] == {"database": True, "scheduler": True}
    assert live.headers["X-Request-Id"]


async def test_unknown_route_is_a_json_404(aiohttp_client: object, tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "SCHEDULER_ENABLED": "false"}
    )
    client: TestClient = await aiohttp_client(create_app(settings))  # type: ignore[operator]

    response = await client.get("/no/such/page")

    assert response.status == 404
    assert (await response.json())["error"] == "not_found"
