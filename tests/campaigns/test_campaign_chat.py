"""A coordinator runs a campaign end to end in the web chat, through the real HTTP routes: "kampanj",
the form, create, the preview arrives, Send, recipients get it, one answers, the figures show it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, create_app
from bot.settings import Settings
from tests.fakes.clock import FakeClock

EBBA = "Ebba Lindahl"  # the sample organisation's coordinator for travel-free meetings
Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "SCHEDULER_ENABLED": "false", "HOST": "127.0.0.1"}
    )
    # Monday morning in Stockholm: inside working hours, so campaign messages are due at once.
    app = create_app(settings, sample=True, clock=FakeClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC)))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def _people(client: Client) -> list[dict[str, Any]]:
    return list((await (await client.get("/webchat/api/people")).json())["people"])


async def _login(client: Client, name: str) -> dict[str, Any]:
    person = next(p for p in await _people(client) if p["name"] == name)
    assert (await client.post("/webchat/api/session", json={"person_id": person["id"]})).status == 200
    return person


async def _say(client: Client, text: str) -> list[dict[str, Any]]:
    response = await client.post("/webchat/api/messages", json={"text": text, "client_id": str(uuid.uuid4())})
    assert response.status == 200, await response.text()
    return list((await response.json())["messages"])


async def _act(
    client: Client, entry: dict[str, Any], action: dict[str, Any], inputs: dict[str, str] | None = None
) -> dict[str, Any]:
    body = {
        "message_id": entry["id"],
        "action_id": action["id"],
        "value": action["value"],
        "inputs": inputs or {},
        "client_id": str(uuid.uuid4()),
    }
    response = await client.post("/webchat/api/actions", json=body)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def _history(client: Client) -> list[dict[str, Any]]:
    return list((await (await client.get("/webchat/api/messages")).json())["messages"])


async def _deliver(client: Client) -> int:
    dispatcher = client.app[SERVICES].start_dispatcher()
    delivered = 0
    while handled := await dispatcher.run_once():
        delivered += handled
    return delivered


def _action(entry: dict[str, Any], action_id: str, label: str | None = None) -> dict[str, Any]:
    actions = entry["message"]["actions"]
    return next(a for a in actions if a["id"] == action_id and (label is None or a["label"] == label))


async def test_a_coordinator_runs_a_campaign_end_to_end_in_the_web_chat(client: Client) -> None:
    await _login(client, EBBA)
    *_, overview, form = await _say(client, "kampanj")
    assert "Inga kampanjer" in overview["message"]["text"] and "välmående" in overview["message"]["text"]
    assert {i["id"] for i in form["message"]["inputs"]} >= {
        "title",
        "text_sv",
        "text_en",
        "audience",
        "send_at",
    }
    assert "office=Umeå" in [o["value"] for o in form["message"]["inputs"][3]["options"]]

    inputs = {
        "title": "Prova ett digitalt möte",
        "text_sv": "Nästa gång du ska till Stockholm: prova att mötas digitalt och få en dag tillbaka.",
        "text_en": "Next time you are going to Stockholm: try meeting digitally and get a day back.",
        "audience": "office=Umeå",
        "buttons": "survey",
        "send_at": "",
    }
    created = await _act(client, form, _action(form, "campaign.create"), inputs)
    assert "är sparad för" in created["messages"][0]["message"]["text"]
    assert await _deliver(client) == 1  # the preview, to Ebba only

    preview = (await _history(client))[-1]
    assert "Förhandsvisning: Prova ett digitalt möte" in preview["message"]["text"]
    sent = await _act(client, preview, _action(preview, "campaign.send"))
    assert sent["updated"][0]["message"]["actions"] == []
    assert "Skickad" in sent["updated"][0]["message"]["context"]

    umea = [p for p in await _people(client) if p["office"] == "Umeå"]
    assert await _deliver(client) == len(umea)

    await _login(client, umea[0]["name"])
    card = (await _history(client))[-1]
    assert "Prova ett digitalt möte" in card["message"]["text"]
    answered = await _act(client, card, _action(card, "campaign.respond", "4"))
    assert "4 av 5" in answered["updated"][0]["message"]["context"]
    assert all(a["label"] not in "12345" for a in answered["updated"][0]["message"]["actions"])

    await _login(client, EBBA)
    overview = (await _say(client, "kampanj"))[0]
    line = f"{len(umea)} mottagare, {len(umea)} levererade, 0 onåbara, 1 klickade, 1 svarade"
    assert line in overview["message"]["text"]


async def test_someone_without_the_coordinator_permission_gets_a_polite_no(client: Client) -> None:
    await _login(client, "Sofia Åkesson")

    reply = (await _say(client, "kampanj"))[-1]
    forged = await client.post(
        "/webchat/api/actions",
        json={"action_id": "campaign.send", "value": "1", "client_id": str(uuid.uuid4())},
    )

    assert "samordnare" in reply["message"]["text"] and not reply["message"]["inputs"]
    assert "samordnare" in (await forged.json())["messages"][0]["message"]["text"]


async def test_a_bad_form_is_refused_with_the_reason_and_nothing_is_stored(client: Client) -> None:
    await _login(client, EBBA)
    form = (await _say(client, "campaign"))[-1]
    inputs = {"title": "Hej", "text_sv": "Hej", "text_en": " ", "audience": "everyone"}

    empty = await _act(client, form, _action(form, "campaign.create"), inputs)
    past = await _act(
        client, form, _action(form, "campaign.create"), inputs | {"text_en": "Hi", "send_at": "2026-01-01"}
    )

    assert "engelska" in empty["messages"][0]["message"]["text"]
    assert "passerat" in past["messages"][0]["message"]["text"]
    assert (
        await client.app[SERVICES].campaigns.recent((await client.app[SERVICES].organisations.all())[0]) == []
    )
