"""Small builders for an organisation with people, used by many storage and service tests."""

from __future__ import annotations

from bot.domain.organisations import Organisation
from bot.domain.people import Person
from storage.database import Database
from storage.organisations import SqlOrganisations
from storage.people import PersonRecord, SqlPeople


async def organisation_with_people(
    database: Database, count: int, *, slug: str = "org"
) -> tuple[Organisation, list[Person]]:
    organisation = await SqlOrganisations(database).create(slug=slug, name=slug.title())
    people = SqlPeople(database)
    records = [PersonRecord(email=f"person{i}@{slug}.example.se", name=f"Person {i}") for i in range(count)]
    await people.upsert_many(organisation.id, records)
    return organisation, list(await people.list(organisation.id))
