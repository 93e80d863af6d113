"""GET /media/{signed id}.png through the real application: a chart for a signed id, 403 when tampered."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.app import SERVICES, Services, create_app
from bot.reports.jobs import compose_weekly
from bot.reports.tokens import sign
from bot.reports.weeks import IsoWeek
from bot.sample_loader import load_sample
from bot.settings import Settings
from tests.reports.conftest import JONAS, KARIN, Builder


async def _client(aiohttp_client: object, tmp_path: Path, **env: str) -> TestClient:
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "SCHEDULER_ENABLED": "false", **env}
    )
    client: TestClient = await aiohttp_client(create_app(settings))  # type: ignore[operator]
    return client


async def _chart_path(services: Services) -> str:
    organisation, _ = await load_sample(services)
    build = Builder(services, organisation, services.clock)  # type: ignore[arg-type]
    await build.trip(JONAS, date(2026, 3, 4))
    karin = await build.person(KARIN)
    [(_, _, message)] = await compose_weekly(services, organisation, IsoWeek(2026, 10), managers=[karin.id])
    assert message.image is not None and message.image.startswith("/media/")
    return message.image


async def test_a_signed_chart_is_served_as_png_and_kept_for_every_process(
    aiohttp_client: object, tmp_path: Path
) -> None:
    client = await _client(aiohttp_client, tmp_path)
    services = client.server.app[SERVICES]
    path = await _chart_path(services)

    first = await client.get(path)
    again = await client.get(path)

    assert first.status == 200 and first.content_type == "image/png"
    body = await first.read()
    assert body.startswith(b"\x89PNG\r\n\x1a\n") and await again.read() == body
    stored = await services.reports.chart(_chart_id(path))
    assert stored is not None and stored[2] == body


def _chart_id(path: str) -> str:
    payload = path.removeprefix("/media/").split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["c"])


@pytest.mark.parametrize("part", ["signature", "payload"])
async def test_a_tampered_id_is_refused_with_403(aiohttp_client: object, tmp_path: Path, part: str) -> None:
    client = await _client(aiohttp_client, tmp_path, WEBHOOK_SECRET="s3cret-for-media")
    path = await _chart_path(client.server.app[SERVICES])
    payload, signature, _ = path.removeprefix("/media/").split(".")
    if part == "signature":
        signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    else:
        payload = payload[:-2] + ("x" if payload[-2] != "x" else "y") + payload[-1]

    response = await client.get(f"/media/{payload}.{signature}.png")

    assert response.status == 403
    assert (await response.json())["error"] == "forbidden"


async def test_an_id_signed_with_another_key_or_for_a_missing_chart_is_refused(
    aiohttp_client: object, tmp_path: Path
) -> None:
    client = await _client(aiohttp_client, tmp_path, WEBHOOK_SECRET="s3cret-for-media")
    services = client.server.app[SERVICES]
    await _chart_path(services)
    key = await services.reports.signing_key(services.settings.webhook_secret.value)

    forged = await client.get(f"/media/{sign('0' * 40, 1, b'another key')}.png")
    gone = await client.get(f"/media/{sign('0' * 40, 1, key)}.png")
    garbage = await client.get("/media/not-a-token.png")
    other_suffix = await client.get("/media/whatever.gif")

    assert (forged.status, gone.status, garbage.status, other_suffix.status) == (403, 404, 403, 404)
    assert (await gone.json())["error"] == "not_found"
