"""Organisations, their realms and offices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.domain.organisations import Office, Organisation, Realm, RealmKind, validate_slug
from storage.database import Database
from storage.tables import OfficeRow, OrganisationRow, RealmRow


class DuplicateError(ValueError):
    """The thing exists already; the message names it."""


def to_organisation(row: OrganisationRow) -> Organisation:
    assert row.id is not None
    return Organisation(
        id=row.id,
        slug=row.slug,
        name=row.name,
        timezone=row.timezone,
        default_locale=row.default_locale,
        default_channel=row.default_channel,
        settings=dict(row.settings or {}),
    )


def to_office(row: OfficeRow) -> Office:
    assert row.id is not None
    return Office(
        id=row.id,
        organisation_id=row.organisation_id,
        name=row.name,
        place_key=row.place_key,
        place_name=row.place_name,
        lat=row.lat,
        lon=row.lon,
    )


class SqlOrganisations:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create(
        self, *, slug: str, name: str, timezone: str = "Europe/Stockholm", default_locale: str = "sv"
    ) -> Organisation:
        row = OrganisationRow(
            slug=validate_slug(slug),
            name=name.strip() or slug,
            timezone=timezone,
            default_locale=default_locale,
            created_at=datetime.now(UTC),
        )
        try:
            async with self._db.transaction() as session:
                session.add(row)
        except IntegrityError:
            raise DuplicateError(f"an organisation with id {row.slug!r} exists already") from None
        return to_organisation(row)

    async def by_slug(self, slug: str) -> Organisation | None:
        async with self._db.session() as session:
            row = (
                await session.execute(select(OrganisationRow).where(OrganisationRow.slug == slug))
            ).scalar()
        return to_organisation(row) if row else None

    async def by_id(self, organisation_id: int) -> Organisation | None:
        async with self._db.session() as session:
            row = await session.get(OrganisationRow, organisation_id)
        return to_organisation(row) if row else None

    async def all(self) -> Sequence[Organisation]:
        async with self._db.session() as session:
            rows = (await session.execute(select(OrganisationRow).order_by(OrganisationRow.id))).scalars()
            return [to_organisation(row) for row in rows]

    async def link_realm(self, organisation_id: int, *, kind: RealmKind, external_id: str) -> Realm:
        """Map a realm to an organisation; linking it again to the same one is a no-op."""
        async with self._db.transaction() as session:
            query = select(RealmRow).where(RealmRow.kind == kind.value, RealmRow.external_id == external_id)
            existing = (await session.execute(query)).scalar()
            if existing is not None and existing.organisation_id != organisation_id:
                raise DuplicateError(
                    f"{kind.value} {external_id!r} is linked to another organisation already"
                )
            if existing is None:
                session.add(
                    RealmRow(organisation_id=organisation_id, kind=kind.value, external_id=external_id)
                )
        return Realm(kind=kind, external_id=external_id, organisation_id=organisation_id)

    async def realms(self, organisation_id: int) -> Sequence[Realm]:
        async with self._db.session() as session:
            rows = (
                await session.execute(select(RealmRow).where(RealmRow.organisation_id == organisation_id))
            ).scalars()
            return [Realm(RealmKind(row.kind), row.external_id, row.organisation_id) for row in rows]

    async def by_realm(self, *, kind: RealmKind, external_id: str) -> Organisation | None:
        query = (
            select(OrganisationRow)
            .join(RealmRow, RealmRow.organisation_id == OrganisationRow.id)
            .where(RealmRow.kind == kind.value, RealmRow.external_id == external_id)
        )
        async with self._db.session() as session:
            row = (await session.execute(query)).scalar()
        return to_organisation(row) if row else None

    async def update_settings(self, organisation_id: int, settings: dict[str, object]) -> Organisation:
        async with self._db.transaction() as session:
            row = await session.get(OrganisationRow, organisation_id)
            if row is None:
                raise LookupError(f"no organisation with id {organisation_id}")
            row.settings = dict(settings)
        return to_organisation(row)


class SqlOffices:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def upsert(
        self, organisation_id: int, *, name: str, place_key: str, place_name: str, lat: float, lon: float
    ) -> Office:
        async with self._db.transaction() as session:
            query = select(OfficeRow).where(
                OfficeRow.organisation_id == organisation_id, OfficeRow.name == name
            )
            row = (await session.execute(query)).scalar()
            if row is None:
                row = OfficeRow(
                    organisation_id=organisation_id, name=name, place_key="", place_name="", lat=0, lon=0
                )
                session.add(row)
            row.place_key, row.place_name, row.lat, row.lon = place_key, place_name, lat, lon
            await session.flush()
        return to_office(row)

    async def list(self, organisation_id: int) -> Sequence[Office]:
        query = select(OfficeRow).where(OfficeRow.organisation_id == organisation_id).order_by(OfficeRow.name)
        async with self._db.session() as session:
            return [to_office(row) for row in (await session.execute(query)).scalars()]

    async def by_id(self, office_id: int) -> Office | None:
        async with self._db.session() as session:
            row = await session.get(OfficeRow, office_id)
        return to_office(row) if row else None
