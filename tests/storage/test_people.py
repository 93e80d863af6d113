from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.people import Permission
from storage.database import Database
from storage.organisations import SqlOrganisations
from storage.people import PersonRecord, SqlPeople


async def test_people_are_unique_per_organisation_and_lower_cased_email(database: Database) -> None:
    organisations = SqlOrganisations(database)
    first = await organisations.create(slug="a", name="A")
    second = await organisations.create(slug="b", name="B")
    people = SqlPeople(database)

    assert await people.upsert_many(
        first.id, [PersonRecord(email="Anna.Berg@Myndigheten.SE", name="Anna")]
    ) == (1, 0)
    assert await people.upsert_many(
        first.id, [PersonRecord(email="anna.berg@myndigheten.se", name="Anna B")]
    ) == (0, 1)
    await people.upsert_many(second.id, [PersonRecord(email="anna.berg@myndigheten.se", name="Other Anna")])

    anna = await people.by_email(first.id, "ANNA.BERG@myndigheten.se")
    assert anna is not None and anna.name == "Anna B"
    assert len(await people.list(first.id)) == 1
    other = await people.by_email(second.id, "anna.berg@myndigheten.se")
    assert other is not None and other.name == "Other Anna"


async def test_managers_permissions_and_fte_round_trip(database: Database) -> None:
    organisation = await SqlOrganisations(database).create(slug="org", name="Org")
    people = SqlPeople(database)
    await people.upsert_many(
        organisation.id,
        [
            PersonRecord(email="boss@org.se", name="Boss", permissions=frozenset({Permission.COORDINATOR})),
            PersonRecord(
                email="staff@org.se", name="Staff", manager_email="boss@org.se", fte=Decimal("0.75")
            ),
        ],
    )
    boss = await people.by_email(organisation.id, "boss@org.se")
    staff = await people.by_email(organisation.id, "staff@org.se")
    assert boss is not None and staff is not None
    assert staff.manager_id == boss.id
    assert staff.fte == Decimal("0.75")
    assert boss.can_coordinate and not staff.can_coordinate


async def test_a_platform_identity_finds_its_person(database: Database) -> None:
    organisation = await SqlOrganisations(database).create(slug="org", name="Org")
    people = SqlPeople(database)
    await people.upsert_many(organisation.id, [PersonRecord(email="x@org.se", name="X")])
    person = await people.by_email(organisation.id, "x@org.se")
    assert person is not None

    await people.link_identity(person.id, kind="slack", realm="T1", external_id="U1")

    found = await people.by_identity(kind="slack", realm="T1", external_id="U1")
    assert found is not None and found.id == person.id and found.last_channel == "slack"
    assert await people.by_identity(kind="slack", realm="T2", external_id="U1") is None


async def test_an_invalid_email_in_an_import_stores_nobody(database: Database) -> None:
    organisation = await SqlOrganisations(database).create(slug="org", name="Org")
    people = SqlPeople(database)
    with pytest.raises(ValueError, match="not an email"):
        await people.upsert_many(
            organisation.id,
            [PersonRecord(email="ok@org.se", name="Ok"), PersonRecord(email="nope", name="No")],
        )
    assert await people.list(organisation.id) == []
