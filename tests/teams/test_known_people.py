"""Someone who already wrote: remembered between turns, yet a moved address or a directory change counts."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import update

from storage.tables import PersonRow
from storage.teams import SqlTeamsContacts
from tests.fakes.clock import FakeClock
from tests.teams.conftest import SOFIA_AAD, SOFIA_EMAIL, TENANT, payload, post, services_of
from tests.teams.fake_connector import FakeBotConnector

Client = TestClient  # type: ignore[type-arg]


async def test_a_known_persons_new_service_url_is_stored_at_once(
    client: Client, connector: FakeBotConnector
) -> None:
    moved = connector.url.replace("127.0.0.1", "localhost")  # the same fake, at another address
    await post(client, payload("personal_message", connector.url, id="first"))

    response = await post(client, payload("personal_message", moved, id="second"))

    assert response.status == 202
    stored = await SqlTeamsContacts(services_of(client).database).find(
        tenant_id=TENANT, aad_object_id=SOFIA_AAD
    )
    assert stored is not None
    assert stored.address["service_url"] == moved and stored.address["reference"]["serviceUrl"] == moved


async def test_someone_removed_from_the_directory_gets_the_onboarding_within_a_minute(
    client: Client, connector: FakeBotConnector
) -> None:
    services = services_of(client)
    await post(client, payload("personal_message", connector.url, id="first"))
    async with services.database.transaction() as session:
        await session.execute(update(PersonRow).where(PersonRow.email == SOFIA_EMAIL).values(active=False))
    assert isinstance(services.clock, FakeClock)
    services.clock.advance(seconds=61)
    connector.calls.clear()

    await post(client, payload("personal_message", connector.url, id="second"))

    (reply,) = connector.of("reply")
    assert "personalregister" in reply.body["text"]
