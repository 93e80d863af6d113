"""Google Calendar and Workspace directory against the fake Google: push, sync tokens, 410, renewal."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.app import Services
from bot.domain.organisations import Organisation
from bot.ingest.google_events import FIELDS
from bot.ingest.jobs import renew_google_channels, sync_people
from bot.ingest.ports import CalendarLink
from tests.fakes.clock import FakeClock
from tests.ingest.conftest import SAMPLE, outbox
from tests.ingest.fakes import FakeGoogle, payload

SOFIA = "sofia.akesson@mhs.example.se"
UMEA = "olle.backman@mhs.example.se"
KEY_ENV = "REMM_TEST_GOOGLE_KEY"


@pytest.fixture
async def organisation(
    services: Services, fake_google: FakeGoogle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Organisation:
    """The sample organisation on Google Workspace: a service account key whose path is in the environment."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    fake_google.public_key = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    key = {
        "type": "service_account",
        "project_id": "remm-test",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": "remm-bot@remm-test.iam.gserviceaccount.com",
        "token_uri": f"{fake_google.url}/token",
    }
    (tmp_path / "key.json").write_text(json.dumps(key))
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "key.json"))
    found = await services.organisations.by_slug(SAMPLE)
    assert found is not None
    google = {"key_env": KEY_ENV, "admin_email": "admin@mhs.example.se"}
    settings = found.settings | {"google": google, "directory": "google"}
    return await services.organisations.update_settings(found.id, settings)


def _event(**changes: Any) -> dict[str, Any]:
    return payload("google/event_umea.json", organiser=UMEA, attendee=SOFIA, attendee_name="Sofia") | changes


def _push(
    link: CalendarLink, state: str = "exists", *, token: str = "", number: str = "10"
) -> dict[str, str]:
    headers = payload(
        f"google/push_{'sync' if state == 'sync' else 'exists'}_headers.json",
        channel_id=link.external_id,
        channel_token=token or link.secret,
        resource_id=link.resource_id or "",
        calendar_id=link.mailbox,
    )["headers"]
    headers["X-Goog-Message-Number"] = number
    return {k: v for k, v in headers.items() if k != "Content-Length"}


async def _subscribe(services: Services, organisation: Organisation, email: str) -> CalendarLink:
    person = await services.people.by_email(organisation.id, email)
    assert person is not None
    return await services.ingest.google.subscribe(organisation, person)


async def test_a_push_leads_to_an_incremental_sync_and_one_nudge(
    client: TestClient, services: Services, fake_google: FakeGoogle, organisation: Organisation
) -> None:
    link = await _subscribe(services, organisation, SOFIA)
    first_sync = await client.post("/webhooks/google", headers=_push(link, "sync", number="1"))
    fake_google.put_event(SOFIA, _event())

    response = await client.post("/webhooks/google", headers=_push(link))
    await services.ingest.work.drain()
    again = await client.post("/webhooks/google", headers=_push(link))  # the same message again
    await services.ingest.work.drain()

    assert (first_sync.status, response.status, again.status) == (200, 200, 200)
    rows = await outbox(services)
    assert [r.key for r in rows] == ["meeting:google:7cbh8rpc10lrc0ckih9tafss99"]
    assert "Styrgruppsmöte" not in json.dumps(rows[0].payload, ensure_ascii=False)
    full, incremental = fake_google.lists[0], fake_google.lists[1]
    assert "syncToken" not in full and incremental["syncToken"] == "0"
    assert all(q["fields"] == FIELDS and q["singleEvents"] == "true" for q in fake_google.lists)
    assert "summary" not in FIELDS and "description" not in FIELDS
    claims = fake_google.assertions[0]
    assert (claims["iss"], claims["sub"]) == ("remm-bot@remm-test.iam.gserviceaccount.com", SOFIA)
    assert claims["scope"] == "https://www.googleapis.com/auth/calendar.readonly"
    watch = fake_google.channels[link.external_id]
    assert watch["address"] == "https://remm.example.se/webhooks/google" and watch["token"] == link.secret


async def test_a_410_drops_the_sync_token_and_syncs_fully(
    client: TestClient, services: Services, fake_google: FakeGoogle, organisation: Organisation
) -> None:
    link = await _subscribe(services, organisation, SOFIA)
    token = await services.ingest.links.cursor("google", link.person_id)
    assert token is not None
    fake_google.gone_tokens.add(token)
    fake_google.put_event(SOFIA, _event())

    await client.post("/webhooks/google", headers=_push(link))
    await services.ingest.work.drain()

    assert [q.get("syncToken") for q in fake_google.lists] == [None, token, None]
    assert len(await outbox(services)) == 1
    assert await services.ingest.links.cursor("google", link.person_id) not in (None, token)


async def test_a_wrong_channel_token_is_refused_and_nothing_synced(
    client: TestClient, services: Services, fake_google: FakeGoogle, organisation: Organisation
) -> None:
    link = await _subscribe(services, organisation, SOFIA)
    fake_google.put_event(SOFIA, _event())
    lists = len(fake_google.lists)

    forged = await client.post("/webhooks/google", headers=_push(link, token="guessed"))
    unknown = await client.post("/webhooks/google", headers=_push(link) | {"X-Goog-Channel-ID": "nope"})
    await services.ingest.work.drain()

    assert (forged.status, unknown.status) == (403, 403)
    assert len(fake_google.lists) == lists and await outbox(services) == []


async def test_channels_are_replaced_before_they_expire(
    services: Services, fake_google: FakeGoogle, organisation: Organisation, clock: FakeClock
) -> None:
    old = await _subscribe(services, organisation, SOFIA)

    clock.advance(days=5)
    early = await renew_google_channels(services)
    clock.advance(days=1, hours=1)
    due = await renew_google_channels(services)

    assert (early, due) == ("0 google channels renewed", "1 google channels renewed")
    [new] = await services.ingest.google.links()
    assert new.external_id != old.external_id and new.expires_at > clock.now() + timedelta(days=6)
    assert fake_google.stopped == [{"id": old.external_id, "resourceId": old.resource_id}]


async def test_a_people_sync_from_google_workspace(
    services: Services, fake_google: FakeGoogle, organisation: Organisation
) -> None:
    fake_google.users = payload("google/directory_users.json")["users"]

    summary = await sync_people(services)

    active = {p.email: p for p in await services.people.list(organisation.id)}
    assert summary.startswith(f"{SAMPLE} (google): +1 ~1 -")
    assert set(active) == {"maja.nordin@mhs.example.se", "ny.kollega@mhs.example.se"}
    assert active["ny.kollega@mhs.example.se"].manager_id == active["maja.nordin@mhs.example.se"].id
    assert fake_google.assertions[-1]["sub"] == "admin@mhs.example.se"
    assert (
        fake_google.assertions[-1]["scope"] == "https://www.googleapis.com/auth/admin.directory.user.readonly"
    )
