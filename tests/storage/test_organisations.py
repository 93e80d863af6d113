from __future__ import annotations

import pytest

from bot.domain.organisations import RealmKind
from storage.database import Database
from storage.organisations import DuplicateError, SqlOffices, SqlOrganisations


async def test_organisation_is_found_by_slug_and_by_linked_realm(database: Database) -> None:
    organisations = SqlOrganisations(database)
    created = await organisations.create(slug="Trafikverket", name="Trafikverket")
    await organisations.link_realm(created.id, kind=RealmKind.SLACK_TEAM, external_id="T0001")

    assert created.slug == "trafikverket"
    assert await organisations.by_slug("trafikverket") == created
    assert await organisations.by_realm(kind=RealmKind.SLACK_TEAM, external_id="T0001") == created
    assert await organisations.by_realm(kind=RealmKind.ENTRA_TENANT, external_id="T0001") is None


async def test_second_organisation_with_the_same_slug_is_refused_and_the_first_kept(
    database: Database,
) -> None:
    organisations = SqlOrganisations(database)
    first = await organisations.create(slug="myndigheten", name="Första")
    with pytest.raises(DuplicateError, match="myndigheten"):
        await organisations.create(slug="myndigheten", name="Andra")
    assert [o.name for o in await organisations.all()] == [first.name]


async def test_realm_linked_to_one_organisation_cannot_be_taken_by_another(database: Database) -> None:
    organisations = SqlOrganisations(database)
    first = await organisations.create(slug="first", name="First")
    second = await organisations.create(slug="second", name="Second")
    await organisations.link_realm(first.id, kind=RealmKind.ENTRA_TENANT, external_id="tenant-1")
    await organisations.link_realm(first.id, kind=RealmKind.ENTRA_TENANT, external_id="tenant-1")

    with pytest.raises(DuplicateError, match="another organisation"):
        await organisations.link_realm(second.id, kind=RealmKind.ENTRA_TENANT, external_id="tenant-1")
    assert await organisations.by_realm(kind=RealmKind.ENTRA_TENANT, external_id="tenant-1") == first


def test_slug_with_spaces_is_refused() -> None:
    from bot.domain.organisations import validate_slug

    with pytest.raises(ValueError, match="a-z"):
        validate_slug("min myndighet")


async def test_office_upsert_updates_the_place_of_an_existing_office(database: Database) -> None:
    organisation = await SqlOrganisations(database).create(slug="org", name="Org")
    offices = SqlOffices(database)
    first = await offices.upsert(
        organisation.id, name="Norr", place_key="a", place_name="Umeå", lat=63.8, lon=20.3
    )
    moved = await offices.upsert(
        organisation.id, name="Norr", place_key="b", place_name="Luleå", lat=65.6, lon=22.1
    )

    assert moved.id == first.id
    assert [o.place_name for o in await offices.list(organisation.id)] == ["Luleå"]
