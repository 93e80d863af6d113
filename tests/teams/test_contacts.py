"""Teams accounts in storage, on SQLite and PostgreSQL: found by tenant and Entra id, address merged."""

from __future__ import annotations

from storage.database import Database
from storage.people import SqlPeople
from storage.teams import SqlTeamsContacts
from tests.fakes.builders import organisation_with_people

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


async def test_a_linked_account_is_found_with_its_address_and_the_address_can_grow(
    database: Database,
) -> None:
    _organisation, (person, other) = await organisation_with_people(database, 2)
    await SqlPeople(database).link_identity(
        person.id, kind="teams", realm=TENANT, external_id="aad-1", address={"user_id": "29:a"}
    )
    contacts = SqlTeamsContacts(database)

    found = await contacts.find(tenant_id=TENANT, aad_object_id="aad-1")
    merged = await contacts.merge_address(
        tenant_id=TENANT, aad_object_id="aad-1", changes={"reference": {"conversation": {"id": "a:1"}}}
    )
    again = await contacts.find(tenant_id=TENANT, aad_object_id="aad-1")

    assert found is not None and found.person.id == person.id and found.address == {"user_id": "29:a"}
    assert found.last_seen_at is not None
    assert merged and again is not None
    assert again.address == {"user_id": "29:a", "reference": {"conversation": {"id": "a:1"}}}
    assert await contacts.find(tenant_id="another-tenant", aad_object_id="aad-1") is None
    assert not await contacts.merge_address(tenant_id=TENANT, aad_object_id="aad-2", changes={"x": 1})
    assert other.id != person.id
