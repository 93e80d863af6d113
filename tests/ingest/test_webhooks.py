"""Our own calendar and travel webhooks through the real routes: signed, validated, idempotent."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import Services
from tests.fakes.clock import FakeClock
from tests.ingest.conftest import SAMPLE, Signer, body_of, count_rows, outbox

UMEA = "olle.backman@mhs.example.se"
STOCKHOLM = "sofia.akesson@mhs.example.se"
NOTHING = {"meetings": 0, "trips": 0, "nudges": 0, "outbox": 0, "signatures": 0}


def travel(**changes: Any) -> dict[str, Any]:
    request = {
        "request_id": "TR-1001",
        "requester_email": STOCKHOLM,
        "origin": "Stockholm",
        "destination": "Luleå",
        "departure_date": "2026-01-20",
        "return_date": "2026-01-21",
        "travellers": 1,
        "mode": "flight",
        "purpose": "Samråd om regionplanen",
        "status": "draft",
    }
    return request | changes


def meeting(**changes: Any) -> dict[str, Any]:
    event = {
        "source": "booking-system",
        "event_id": "B-77",
        "organiser_email": UMEA,
        "start": "2026-01-13T10:00:00+01:00",
        "end": "2026-01-13T15:00:00+01:00",
        "location": "MHS Umeå, Storgatan 12",
        "online": False,
        "attendees": [{"email": UMEA}, {"email": STOCKHOLM}],
        "external_attendees": 1,
        "status": "confirmed",
    }
    return event | changes


async def post(client: TestClient, path: str, data: Any, signed: Signer, **headers: str) -> tuple[int, Any]:
    body = data if isinstance(data, bytes) else body_of(data)
    response = await client.post(path, data=body, headers=signed(body) | headers)
    return response.status, await response.json()


async def test_a_draft_travel_request_queues_one_nudge(
    client: TestClient, services: Services, signed: Signer
) -> None:
    status, answer = await post(client, "/webhooks/travel", travel(), signed)

    assert status == 202
    assert answer | {"decisions": 1} == {
        "status": "accepted",
        "organisation": SAMPLE,
        "unchanged": False,
        "nudges": 1,
        "decisions": 1,
        "withdrawn": 0,
    }
    assert [(row.key, row.kind) for row in await outbox(services)] == [("travel:TR-1001", "nudge")]


async def test_a_status_change_never_nudges_twice(
    client: TestClient, services: Services, signed: Signer, clock: FakeClock
) -> None:
    for status in ("draft", "submitted", "draft", "approved", "booked"):
        clock.advance(seconds=1)
        code, _ = await post(client, "/webhooks/travel", travel(status=status), signed)
        assert code == 202

    assert len(await outbox(services)) == 1


async def test_cancelled_withdraws_the_unsent_nudge(
    client: TestClient, services: Services, signed: Signer
) -> None:
    await post(client, "/webhooks/travel", travel(), signed)
    status, answer = await post(client, "/webhooks/travel", travel(status="cancelled"), signed)

    assert (status, answer["withdrawn"]) == (202, 1)
    assert [row.state for row in await outbox(services)] == ["withdrawn"]


async def test_a_calendar_event_far_away_nudges_the_traveller_once(
    client: TestClient, services: Services, signed: Signer, clock: FakeClock
) -> None:
    status, answer = await post(client, "/webhooks/calendar", meeting(), signed)
    clock.advance(seconds=1)  # the same bytes at the same second would be a replay
    again, repeat = await post(client, "/webhooks/calendar", meeting(), signed)

    assert (status, answer["nudges"]) == (202, 1)
    assert (again, repeat["unchanged"]) == (202, True)
    assert [row.key for row in await outbox(services)] == ["meeting:booking-system:B-77"]


async def test_the_openapi_document_is_generated_from_the_models(client: TestClient) -> None:
    response = await client.get("/openapi.json")
    document = await response.json()

    assert response.status == 200 and document["openapi"] == "3.1.0"
    travel_post = document["paths"]["/webhooks/travel"]["post"]
    calendar_post = document["paths"]["/webhooks/calendar"]["post"]
    schemas = document["components"]["schemas"]
    assert {p["name"] for p in travel_post["parameters"]} == {
        "X-Remm-Timestamp",
        "X-Remm-Signature",
        "X-Remm-Organisation",
    }
    assert travel_post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TravelRequestShape"
    }
    assert calendar_post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "CalendarEventShape"
    )
    assert set(schemas["TravelRequestShape"]["required"]) == {
        "request_id",
        "requester_email",
        "origin",
        "destination",
        "departure_date",
    }
    assert schemas["CalendarEventShape"]["additionalProperties"] is False
    assert {"202", "400", "401", "409", "413", "422"} <= set(travel_post["responses"])
    assert travel_post["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "Attendee" in schemas


# --- bad input: a 4xx JSON error naming the field, and nothing stored ---------------------------------


@pytest.mark.parametrize(
    ("data", "status", "code", "field"),
    [
        (b"{not json", 400, "invalid_json", ""),
        (b"\xff\xfe", 400, "invalid_json", ""),
        (b"[" * 5000 + b"]" * 5000, 400, "invalid_json", ""),
        (travel() | {"travellers": "two"}, 422, "invalid_field", "travellers"),
        ({k: v for k, v in travel().items() if k != "destination"}, 422, "invalid_field", "destination"),
        (travel(departure_date="2026-01-22", return_date="2026-01-21"), 422, "invalid_field", ""),
        (travel(departure_date="2025-12-01", return_date=None), 422, "in_past", "departure_date"),
        (travel(destination="Xyzzyborg"), 422, "unknown_place", "destination"),
        (travel(requester_email="someone@elsewhere.example.com"), 422, "unknown_person", "requester_email"),
        (travel(status="maybe"), 422, "invalid_field", "status"),
        (travel() | {"subject": "extra"}, 422, "invalid_field", "subject"),
    ],
)
async def test_bad_travel_requests_are_refused_naming_the_field(
    client: TestClient,
    services: Services,
    signed: Signer,
    data: Any,
    status: int,
    code: str,
    field: str,
) -> None:
    got, answer = await post(client, "/webhooks/travel", data, signed)

    assert (got, answer["error"]) == (status, code)
    assert answer.get("field", "") == field
    assert await count_rows(services) == NOTHING


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"end": "2026-01-13T09:00:00+01:00"}, "invalid_field", ""),
        ({"start": "2026-01-13T10:00:00"}, "invalid_field", "start"),
        ({"start": "2026-01-01T10:00:00+01:00", "end": "2026-01-01T11:00:00+01:00"}, "in_past", "end"),
        ({"online": "nej"}, "invalid_field", "online"),
        ({"online": "false"}, "invalid_field", "online"),
        ({"external_attendees": False}, "invalid_field", "external_attendees"),
        ({"start": 1768294800}, "invalid_field", "start"),
        ({"attendees": [{"email": "not an email"}]}, "invalid_field", "attendees.0.email"),
        (
            {
                "organiser_email": "x@elsewhere.example.com",
                "attendees": [{"email": "y@elsewhere.example.com"}],
            },
            "unknown_person",
            "attendees",
        ),
    ],
)
async def test_bad_calendar_events_are_refused_naming_the_field(
    client: TestClient, services: Services, signed: Signer, changes: dict[str, Any], code: str, field: str
) -> None:
    got, answer = await post(client, "/webhooks/calendar", meeting(**changes), signed)

    assert (got // 100, answer["error"], answer.get("field", "")) == (4, code, field)
    assert await count_rows(services) == NOTHING


async def test_wrong_missing_stale_and_replayed_signatures_are_refused(
    client: TestClient, services: Services, signed: Signer, clock: FakeClock
) -> None:
    body = body_of(travel())
    wrong = signed(body, secret="not-the-secret")
    stale = signed(body, at=clock.now() - timedelta(minutes=6))
    unsigned = {"Content-Type": "application/json"}
    tampered = signed(body) | {"X-Remm-Timestamp": str(int(clock.now().timestamp()) + 1)}

    answers = [
        await client.post("/webhooks/travel", data=body, headers=h)
        for h in (wrong, stale, unsigned, tampered)
    ]

    assert [(r.status, (await r.json())["error"]) for r in answers] == [
        (401, "bad_signature"),
        (401, "stale_timestamp"),
        (401, "missing_signature"),
        (401, "bad_signature"),
    ]
    assert await count_rows(services) == NOTHING

    headers = signed(body)
    first = await client.post("/webhooks/travel", data=body, headers=headers)
    replay = await client.post("/webhooks/travel", data=body, headers=headers)
    assert (first.status, replay.status, (await replay.json())["error"]) == (202, 409, "replayed")


async def test_bodies_over_one_megabyte_are_refused(
    client: TestClient, services: Services, signed: Signer
) -> None:
    body = body_of(travel(purpose="x" * 2000)) + b" " * (1024 * 1024)
    response = await client.post("/webhooks/travel", data=io.BytesIO(body), headers=signed(body))

    assert (response.status, (await response.json())["error"]) == (413, "too_large")
    assert await count_rows(services) == NOTHING


async def test_the_organisation_comes_from_its_header_and_its_own_secret_wins(
    client: TestClient, services: Services, signed: Signer
) -> None:
    other = await services.organisations.create(slug="annan", name="Annan myndighet")
    await services.organisations.update_settings(other.id, {"webhook_secret": "annan-secret"})
    body = body_of(travel())

    missing = await client.post("/webhooks/travel", data=body, headers=signed(body))
    unknown = await client.post(
        "/webhooks/travel", data=body, headers=signed(body, **{"X-Remm-Organisation": "nej"})
    )
    unknown_unsigned = await client.post(
        "/webhooks/travel",
        data=body,
        headers=signed(body, secret="a-guess", **{"X-Remm-Organisation": "nej"}),
    )
    global_secret_for_annan = await client.post(
        "/webhooks/travel", data=body, headers=signed(body, **{"X-Remm-Organisation": "annan"})
    )
    sample = await client.post(
        "/webhooks/travel", data=body, headers=signed(body, **{"X-Remm-Organisation": SAMPLE})
    )

    assert [
        (r.status, (await r.json()).get("field"))
        for r in (missing, unknown, unknown_unsigned, global_secret_for_annan)
    ] == [
        (400, "X-Remm-Organisation"),
        (404, "X-Remm-Organisation"),
        # Without the secret, an unknown organisation is not told apart from a known one.
        (401, "X-Remm-Signature"),
        (401, "X-Remm-Signature"),
    ]
    assert sample.status == 202
