"""The web chat's JSON API through the real HTTP routes, on the sample organisation."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import SERVICES, create_app
from bot.settings import Settings
from storage.tables import NudgeRow, OutcomeRow
from tests.fakes.clock import FakeClock

SOFIA = "Sofia Åkesson"


def _settings(tmp_path: Path, host: str = "127.0.0.1") -> Settings:
    return Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "SCHEDULER_ENABLED": "false", "HOST": host}
    )


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    # A Monday morning in Stockholm, so proactive nudges go out at once instead of waiting for working hours.
    app = create_app(
        _settings(tmp_path), sample=True, clock=FakeClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    )
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def _login(client: TestClient, name: str = SOFIA) -> dict[str, Any]:  # type: ignore[type-arg]
    people = await (await client.get("/webchat/api/people")).json()
    person = next(p for p in people["people"] if p["name"] == name)
    response = await client.post("/webchat/api/session", json={"person_id": person["id"]})
    assert response.status == 200
    return dict(person)


async def _say(client: TestClient, text: str, client_id: str | None = None) -> dict[str, Any]:  # type: ignore[type-arg]
    response = await client.post(
        "/webchat/api/messages", json={"text": text, "client_id": client_id or str(uuid.uuid4())}
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def _click(client: TestClient, message_id: str, action: dict[str, Any]) -> Any:  # type: ignore[type-arg]
    """Press a card's button as the browser does."""
    body = {
        "message_id": message_id,
        "action_id": action["id"],
        "value": action["value"],
        "client_id": str(uuid.uuid4()),
    }
    return await client.post("/webchat/api/actions", json=body)


async def test_the_page_and_its_assets_are_served(client: TestClient) -> None:  # type: ignore[type-arg]
    page = await client.get("/")
    assert page.status == 200 and "text/html" in page.headers["Content-Type"]


async def test_a_trip_question_gets_the_estimate_card_after_the_privacy_notice(client: TestClient) -> None:  # type: ignore[type-arg]
    await _login(client)

    first = await _say(client, "Jag ska till Luleå på torsdag, vi är två")
    second = await _say(client, "Tåg eller flyg till Göteborg?")

    privacy, card = first["messages"]
    assert "Om dina uppgifter" in privacy["message"]["text"]
    facts = {f["label"]: f["value"] for f in card["message"]["facts"]}
    assert "kg CO2e" in facts["Klimat"] and "kr" in facts["Pengar"] and "h" in facts["Tid"]
    assert "nudge.go_digital" in [a["id"] for a in card["message"]["actions"]]
    assert len(second["messages"]) == 1  # the notice comes once


async def test_clicking_digital_updates_the_card_in_place_and_records_the_choice(client: TestClient) -> None:  # type: ignore[type-arg]
    await _login(client)
    card = (await _say(client, "Jag ska till Umeå på tisdag"))["messages"][-1]
    digital = next(a for a in card["message"]["actions"] if a["id"] == "nudge.go_digital")

    response = await _click(client, card["id"], digital)
    body = await response.json()

    assert response.status == 200
    assert body["updated"][0]["id"] == card["id"] and body["updated"][0]["message"]["actions"] == []
    assert "digitalt möte" in body["updated"][0]["message"]["context"]
    history = (await (await client.get("/webchat/api/messages")).json())["messages"]
    assert next(e for e in history if e["id"] == card["id"])["message"]["actions"] == []
    services = client.app[SERVICES]
    async with services.database.session() as session:
        assert (await session.execute(select(func.count()).select_from(OutcomeRow))).scalar() == 1


async def test_a_retried_request_gets_the_same_answer_and_records_nothing_twice(client: TestClient) -> None:  # type: ignore[type-arg]
    await _login(client)
    client_id = str(uuid.uuid4())

    first = await _say(client, "Jag ska till Malmö imorgon", client_id)
    again = await _say(client, "Jag ska till Malmö imorgon", client_id)

    assert [m["id"] for m in again["messages"]] == [m["id"] for m in first["messages"]]
    async with client.app[SERVICES].database.session() as session:
        assert (await session.execute(select(func.count()).select_from(NudgeRow))).scalar() == 1


async def test_the_monthly_summary_is_turned_on_and_off_from_the_settings_card(client: TestClient) -> None:  # type: ignore[type-arg]
    person = await _login(client)
    card = (await _say(client, "inställningar"))["messages"][-1]
    facts = {f["label"]: f["value"] for f in card["message"]["facts"]}
    assert facts["Månadssammanfattning"] == "av"
    start = next(a for a in card["message"]["actions"] if a["id"] == "settings.monthly_summary")

    async def click(action: dict[str, Any]) -> dict[str, Any]:
        response = await _click(client, card["id"], action)
        assert response.status == 200
        return dict((await response.json())["updated"][0]["message"])

    updated = await click(start)
    reports = client.app[SERVICES].reports
    assert await reports.monthly_summary(person["id"]) is True
    assert "skickas den 1:a" in {f["label"]: f["value"] for f in updated["facts"]}["Månadssammanfattning"]
    stop = next(a for a in updated["actions"] if a["id"] == "settings.monthly_summary")
    assert stop["label"] == "Stäng av månadssammanfattningen"

    await click(stop)
    assert await reports.monthly_summary(person["id"]) is False


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"not json", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_json"),
        (b'{"client_id": "12345678"}', 400, "missing_field"),
        (b'{"text": 5, "client_id": "12345678"}', 400, "invalid_field"),
        (b'{"text": "   ", "client_id": "12345678"}', 400, "invalid_field"),
        (b'{"text": "hej", "client_id": "../../etc"}', 400, "invalid_field"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"[" * 100_000, 400, "invalid_json"),
    ],
)
async def test_malformed_requests_get_a_json_4xx_that_names_the_problem(
    client: TestClient,
    body: bytes,
    status: int,
    error: str,  # type: ignore[type-arg]
) -> None:
    await _login(client)
    response = await client.post(
        "/webchat/api/messages", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == status
    assert (await response.json())["error"] == error


async def test_huge_and_binary_messages_get_a_friendly_reply(client: TestClient) -> None:  # type: ignore[type-arg]
    await _login(client)
    huge = await _say(client, "a" * 5000)
    binary = await _say(client, "\x00\x01\x02 Jag ska till Kiruna \x07")

    assert "långt" in huge["messages"][-1]["message"]["text"]
    assert "Kiruna" in binary["messages"][-1]["message"]["text"]


async def test_a_body_over_one_megabyte_is_refused(client: TestClient) -> None:  # type: ignore[type-arg]
    await _login(client)
    # Streamed from a file-like object, as aiohttp's client wants for big bodies.
    response = await client.post("/webchat/api/messages", data=io.BytesIO(b"x" * (1024 * 1024 + 10)))
    assert response.status == 413
    assert (await response.json())["error"] == "payload_too_large"


async def test_without_a_session_the_api_says_to_choose_a_person(client: TestClient) -> None:  # type: ignore[type-arg]
    response = await client.post(
        "/webchat/api/messages", json={"text": "hej", "client_id": str(uuid.uuid4())}
    )
    assert response.status == 401 and (await response.json())["error"] == "unauthorized"


async def test_someone_elses_card_cannot_be_changed(client: TestClient) -> None:  # type: ignore[type-arg]
    await _login(client)
    card = (await _say(client, "Jag ska till Umeå på tisdag"))["messages"][-1]
    await _login(client, "Pär Gunnarsson")

    response = await client.post(
        "/webchat/api/actions",
        json={
            "message_id": card["id"],
            "action_id": "nudge.go_digital",
            "value": card["message"]["actions"][0]["value"],
            "client_id": str(uuid.uuid4()),
        },
    )
    body = await response.json()

    assert body["updated"] == [] and "hör inte till dig" in body["messages"][0]["message"]["text"]


async def test_unknown_action_ids_get_a_polite_reply(client: TestClient) -> None:  # type: ignore[type-arg]
    await _login(client)
    response = await client.post(
        "/webchat/api/actions",
        json={"action_id": "rocket.launch", "value": "1", "client_id": str(uuid.uuid4())},
    )
    assert (
        response.status == 200
        and "känner jag inte igen" in (await response.json())["messages"][0]["message"]["text"]
    )


async def test_the_person_picker_is_closed_unless_bound_to_loopback(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, host="0.0.0.0"), sample=True)
    async with TestClient(TestServer(app)) as public:
        people = await public.get("/webchat/api/people")
        session = await public.post("/webchat/api/session", json={"person_id": 1})
    assert (people.status, session.status) == (403, 403)


async def test_a_proactive_nudge_reaches_the_web_chat_through_the_outbox(client: TestClient) -> None:  # type: ignore[type-arg]
    from datetime import timedelta

    from bot.ingest.shapes import parse_travel_request

    person = await _login(client)
    services = client.app[SERVICES]
    organisation = (await services.organisations.all())[0]
    departure = (services.clock.now() + timedelta(days=5)).date().isoformat()
    sofia = await services.people.by_id(person["id"])
    request = {
        "request_id": "R-proactive",
        "requester_email": sofia.email,
        "origin": "Stockholm",
        "destination": "Luleå",
        "departure_date": departure,
        "status": "submitted",
    }

    await services.nudge_service.travel_request_changed(organisation.id, parse_travel_request(request))
    dispatcher = services.start_dispatcher()
    await dispatcher.run_once()

    history = (await (await client.get("/webchat/api/messages")).json())["messages"]
    assert dispatcher.stats.sent == 1
    assert "Luleå" in history[-1]["message"]["text"]
