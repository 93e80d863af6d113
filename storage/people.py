"""People and their platform identities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.domain.people import Channel, Identity, Permission, Person, normalise_email
from storage.database import Database
from storage.tables import IdentityRow, PersonRow


def to_person(row: PersonRow) -> Person:
    assert row.id is not None
    permissions = frozenset(Permission(p) for p in row.permissions.split(",") if p)
    return Person(
        id=row.id,
        organisation_id=row.organisation_id,
        email=row.email,
        name=row.name,
        office_id=row.office_id,
        department=row.department,
        manager_id=row.manager_id,
        job_title=row.job_title,
        permissions=permissions,
        fte=Decimal(row.fte),
        locale=row.locale,
        timezone=row.timezone,
        active=row.active,
        last_channel=Channel(row.last_channel) if row.last_channel else None,
    )


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """What an import or a directory sync says about a person (manager by email, office by name)."""

    email: str
    name: str
    office_id: int | None = None
    department: str = ""
    manager_email: str | None = None
    job_title: str = ""
    permissions: frozenset[Permission] = frozenset()
    fte: Decimal = Decimal("1.0")
    locale: str = "sv"
    timezone: str = "Europe/Stockholm"


class SqlPeople:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def by_id(self, person_id: int) -> Person | None:
        async with self._db.session() as session:
            row = await session.get(PersonRow, person_id)
        return to_person(row) if row else None

    async def by_email(self, organisation_id: int, email: str) -> Person | None:
        query = select(PersonRow).where(
            PersonRow.organisation_id == organisation_id, PersonRow.email == email.strip().lower()
        )
        async with self._db.session() as session:
            row = (await session.execute(query)).scalar()
        return to_person(row) if row else None

    async def by_emails(self, organisation_id: int, emails: Sequence[str]) -> dict[str, Person]:
        wanted = {email.strip().lower() for email in emails}
        if not wanted:
            return {}
        query = select(PersonRow).where(
            PersonRow.organisation_id == organisation_id, PersonRow.email.in_(wanted)
        )
        async with self._db.session() as session:
            return {row.email: to_person(row) for row in (await session.execute(query)).scalars()}

    async def by_identity(self, *, kind: str, realm: str, external_id: str) -> Person | None:
        query = (
            select(PersonRow)
            .join(IdentityRow, IdentityRow.person_id == PersonRow.id)
            .where(
                IdentityRow.kind == kind, IdentityRow.realm == realm, IdentityRow.external_id == external_id
            )
        )
        async with self._db.session() as session:
            row = (await session.execute(query)).scalar()
        return to_person(row) if row else None

    async def list(self, organisation_id: int, *, active_only: bool = True) -> Sequence[Person]:
        # Plain rows, not ORM objects: listing 50,000 people (a campaign to everyone) takes a third the time.
        table = PersonRow.__table__
        query = select(table).where(table.c.organisation_id == organisation_id).order_by(table.c.id)
        if active_only:
            query = query.where(table.c.active)
        async with self._db.session() as session:
            return [to_person(row) for row in (await session.execute(query)).all()]

    async def upsert_many(self, organisation_id: int, records: Sequence[PersonRecord]) -> tuple[int, int]:
        """Insert or update people by email in one transaction, then link managers: (added, updated)."""
        added = updated = 0
        async with self._db.transaction() as session:
            emails = [normalise_email(record.email) for record in records]
            query = select(PersonRow).where(PersonRow.organisation_id == organisation_id)
            existing = {row.email: row for row in (await session.execute(query)).scalars()}
            for email, record in zip(emails, records, strict=True):
                row = existing.get(email)
                if row is None:
                    row = PersonRow(
                        organisation_id=organisation_id, email=email, name="", created_at=datetime.now(UTC)
                    )
                    session.add(row)
                    existing[email] = row
                    added += 1
                else:
                    updated += 1
                _apply(row, record)
            await session.flush()
            for email, record in zip(emails, records, strict=True):
                manager = existing.get((record.manager_email or "").strip().lower())
                existing[email].manager_id = manager.id if manager else None
        return added, updated

    async def link_identity(
        self,
        person_id: int,
        *,
        kind: str,
        realm: str,
        external_id: str,
        address: dict[str, Any] | None = None,
    ) -> Identity:
        """Link a platform account to the person; ``address`` (how to reach them proactively) is kept when
        given, and this becomes the person's last channel (design 8: reach people where they were last)."""
        now = datetime.now(UTC)
        async with self._db.transaction() as session:
            person = await session.get(PersonRow, person_id)
            if person is None:
                raise LookupError(f"no person with id {person_id}")
            query = select(IdentityRow).where(
                IdentityRow.kind == kind, IdentityRow.realm == realm, IdentityRow.external_id == external_id
            )
            row = (await session.execute(query)).scalar()
            if row is None:
                row = IdentityRow(
                    organisation_id=person.organisation_id,
                    person_id=person_id,
                    kind=kind,
                    realm=realm,
                    external_id=external_id,
                )
                session.add(row)
            row.person_id, row.last_seen_at = person_id, now
            if address is not None:
                row.address = dict(address)
            person.last_channel = kind
        return Identity(Channel(kind), realm, external_id, person_id, person.organisation_id)


def _apply(row: PersonRow, record: PersonRecord) -> None:
    row.name = record.name.strip()
    row.office_id = record.office_id
    row.department = record.department.strip()
    row.job_title = record.job_title.strip()
    row.permissions = ",".join(sorted(p.value for p in record.permissions))
    row.fte = record.fte
    row.locale = record.locale
    row.timezone = record.timezone
    row.active = True
