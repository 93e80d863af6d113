"""Ingestion state: calendar links and cursors, event references, feeds, replay guard, bulk imports."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.people import normalise_email
from bot.domain.records import TripWrite
from bot.ingest.ports import CalendarLink, DirectoryEntry, EventRef, IcsFeed
from storage.database import Database, insert_for
from storage.meetings import _apply_trip
from storage.people import PersonRecord, _apply
from storage.tables import MeetingRow, PersonRow, TripRow
from storage.tables_ingest import (
    CalendarCursorRow,
    CalendarEventRefRow,
    CalendarLinkRow,
    IcsFeedRow,
    WebhookSignatureRow,
)


def _link(row: CalendarLinkRow) -> CalendarLink:
    return CalendarLink(
        provider=row.provider,
        external_id=row.external_id,
        organisation_id=row.organisation_id,
        person_id=row.person_id,
        mailbox=row.mailbox,
        secret=row.secret,
        expires_at=row.expires_at,
        resource_id=row.resource_id,
    )


def _ref(row: CalendarEventRefRow) -> EventRef:
    return EventRef(
        organisation_id=row.organisation_id,
        person_id=row.person_id,
        provider=row.provider,
        mailbox=row.mailbox,
        external_id=row.external_id,
        event_key=row.event_key,
        organiser=row.organiser,
    )


class SqlCalendarLinks:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def save(self, link: CalendarLink, *, now: datetime) -> None:
        """Insert or update by (provider, external id)."""
        async with self._db.transaction() as session:
            row = await self._row(session, link.provider, link.external_id)
            if row is None:
                row = CalendarLinkRow(
                    organisation_id=link.organisation_id,
                    person_id=link.person_id,
                    provider=link.provider,
                    external_id=link.external_id,
                    mailbox=link.mailbox,
                    secret=link.secret,
                    expires_at=link.expires_at,
                    created_at=now,
                )
                session.add(row)
            row.organisation_id, row.person_id = link.organisation_id, link.person_id
            row.mailbox, row.secret = link.mailbox, link.secret
            row.resource_id, row.expires_at = link.resource_id, link.expires_at

    async def get(self, provider: str, external_id: str) -> CalendarLink | None:
        async with self._db.session() as session:
            row = await self._row(session, provider, external_id)
        return _link(row) if row else None

    async def many(self, provider: str, external_ids: Sequence[str]) -> dict[str, CalendarLink]:
        """The links among ``external_ids`` that exist, by external id, in one query."""
        if not external_ids:
            return {}
        query = select(CalendarLinkRow).where(
            CalendarLinkRow.provider == provider, CalendarLinkRow.external_id.in_(set(external_ids))
        )
        return {link.external_id: link for link in await self._links(query)}

    async def for_person(self, provider: str, person_id: int) -> Sequence[CalendarLink]:
        query = select(CalendarLinkRow).where(
            CalendarLinkRow.provider == provider, CalendarLinkRow.person_id == person_id
        )
        return await self._links(query)

    async def all(self, provider: str, *, organisation_id: int | None = None) -> Sequence[CalendarLink]:
        query = select(CalendarLinkRow).where(CalendarLinkRow.provider == provider)
        if organisation_id is not None:
            query = query.where(CalendarLinkRow.organisation_id == organisation_id)
        return await self._links(query.order_by(CalendarLinkRow.id))

    async def expiring(self, provider: str, *, before: datetime) -> Sequence[CalendarLink]:
        query = select(CalendarLinkRow).where(
            CalendarLinkRow.provider == provider, CalendarLinkRow.expires_at < before
        )
        return await self._links(query.order_by(CalendarLinkRow.expires_at))

    async def remove(self, provider: str, external_id: str) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                delete(CalendarLinkRow).where(
                    CalendarLinkRow.provider == provider, CalendarLinkRow.external_id == external_id
                )
            )

    async def cursor(self, provider: str, person_id: int) -> str | None:
        query = select(CalendarCursorRow.cursor).where(
            CalendarCursorRow.provider == provider, CalendarCursorRow.person_id == person_id
        )
        async with self._db.session() as session:
            return (await session.execute(query)).scalar()

    async def save_cursor(
        self, provider: str, *, organisation_id: int, person_id: int, cursor: str | None, now: datetime
    ) -> None:
        """Store the cursor; ``None`` forgets it (the next sync is a full one)."""
        async with self._db.transaction() as session:
            await session.execute(
                delete(CalendarCursorRow).where(
                    CalendarCursorRow.provider == provider, CalendarCursorRow.person_id == person_id
                )
            )
            if cursor is not None:
                session.add(
                    CalendarCursorRow(
                        organisation_id=organisation_id,
                        person_id=person_id,
                        provider=provider,
                        cursor=cursor,
                        updated_at=now,
                    )
                )

    async def save_ref(self, ref: EventRef, *, now: datetime) -> None:
        """Insert or update by (provider, mailbox, external id), in one statement."""
        await self.save_refs([ref], now=now)

    async def save_refs(self, refs: Sequence[EventRef], *, now: datetime) -> None:
        """Several references, inserted or updated in one statement (the last one wins per key)."""
        unique = {(ref.provider, ref.mailbox, ref.external_id): ref for ref in refs}
        if not unique:
            return
        rows = [
            {
                "organisation_id": ref.organisation_id,
                "person_id": ref.person_id,
                "provider": ref.provider,
                "mailbox": ref.mailbox,
                "external_id": ref.external_id,
                "event_key": ref.event_key,
                "organiser": ref.organiser,
                "updated_at": now,
            }
            for ref in unique.values()
        ]
        async with self._db.transaction() as session:
            # One statement with the rows as its parameter sets: compiled once per process (SQLAlchemy's
            # cache), not once per batch as a VALUES list of this batch's length would be, and sent as
            # one pipelined round of executions.
            await (await session.connection()).execute(_upsert_ref(insert_for(session)), rows)

    async def ref(self, provider: str, mailbox: str, external_id: str) -> EventRef | None:
        query = select(CalendarEventRefRow).where(
            CalendarEventRefRow.provider == provider,
            CalendarEventRefRow.mailbox == mailbox,
            CalendarEventRefRow.external_id == external_id,
        )
        async with self._db.session() as session:
            row = (await session.execute(query)).scalar()
        return _ref(row) if row else None

    async def organiser_ref(self, organisation_id: int, provider: str, event_key: str) -> EventRef | None:
        query = select(CalendarEventRefRow).where(
            CalendarEventRefRow.organisation_id == organisation_id,
            CalendarEventRefRow.provider == provider,
            CalendarEventRefRow.event_key == event_key,
            CalendarEventRefRow.organiser,
        )
        async with self._db.session() as session:
            row = (await session.execute(query.limit(1))).scalar()
        return _ref(row) if row else None

    async def meeting_source(self, meeting_id: int) -> tuple[int, str, str, int | None] | None:
        """(organisation, source, event id, organiser) of a stored meeting, for the calendar write-back."""
        async with self._db.session() as session:
            row = await session.get(MeetingRow, meeting_id)
        return (row.organisation_id, row.source, row.event_id, row.organiser_id) if row else None

    async def _links(self, query: Select[tuple[CalendarLinkRow]]) -> list[CalendarLink]:
        async with self._db.session() as session:
            return [_link(row) for row in (await session.execute(query)).scalars()]

    @staticmethod
    async def _row(session: AsyncSession, provider: str, external_id: str) -> CalendarLinkRow | None:
        query = select(CalendarLinkRow).where(
            CalendarLinkRow.provider == provider, CalendarLinkRow.external_id == external_id
        )
        return (await session.execute(query)).scalar()


class SqlFeeds:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, *, organisation_id: int, person_id: int, url: str, now: datetime) -> IcsFeed:
        """The feed for this person and URL, created when new."""
        async with self._db.transaction() as session:
            query = select(IcsFeedRow).where(IcsFeedRow.person_id == person_id, IcsFeedRow.url == url)
            row = (await session.execute(query)).scalar()
            if row is None:
                row = IcsFeedRow(
                    organisation_id=organisation_id, person_id=person_id, url=url, created_at=now
                )
                session.add(row)
                await session.flush()
            return _feed(row)

    async def all(self, *, organisation_id: int | None = None) -> Sequence[IcsFeed]:
        query = select(IcsFeedRow).order_by(IcsFeedRow.id)
        if organisation_id is not None:
            query = query.where(IcsFeedRow.organisation_id == organisation_id)
        async with self._db.session() as session:
            return [_feed(row) for row in (await session.execute(query)).scalars()]

    async def polled(
        self,
        feed_id: int,
        *,
        now: datetime,
        etag: str | None,
        last_modified: str | None,
        seen: Sequence[str] | None,
        error: str | None,
    ) -> None:
        values: dict[str, object] = {"last_polled_at": now, "last_error": error}
        if error is None:
            values |= {"etag": etag, "last_modified": last_modified}
        if seen is not None:
            values["seen"] = list(seen)
        async with self._db.transaction() as session:
            await session.execute(update(IcsFeedRow).where(IcsFeedRow.id == feed_id).values(**values))


def _feed(row: IcsFeedRow) -> IcsFeed:
    assert row.id is not None
    return IcsFeed(
        id=row.id,
        organisation_id=row.organisation_id,
        person_id=row.person_id,
        url=row.url,
        etag=row.etag,
        last_modified=row.last_modified,
        seen=tuple(row.seen or ()),
    )


class SqlDirectory:
    """People from an import or a directory sync, in one transaction: added, updated, deactivated."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def apply(
        self,
        organisation_id: int,
        entries: Sequence[tuple[DirectoryEntry, int | None]],
        *,
        deactivate_missing: bool,
        now: datetime,
    ) -> tuple[int, int, int]:
        added = updated = 0
        async with self._db.transaction() as session:
            query = select(PersonRow).where(PersonRow.organisation_id == organisation_id)
            existing = {row.email: row for row in (await session.execute(query)).scalars()}
            emails = [normalise_email(entry.email) for entry, _ in entries]
            for email, (entry, office_id) in zip(emails, entries, strict=True):
                row = existing.get(email)
                if row is None:
                    row = PersonRow(organisation_id=organisation_id, email=email, name="", created_at=now)
                    session.add(row)
                    existing[email] = row
                    added += 1
                else:
                    updated += 1
                _apply(row, _record(entry, office_id, row))
            await session.flush()
            for email, (entry, _) in zip(emails, entries, strict=True):
                manager = existing.get((entry.manager_email or "").strip().lower())
                existing[email].manager_id = manager.id if manager and manager.email != email else None
            deactivated = 0
            if deactivate_missing:
                present = set(emails)
                for email, row in existing.items():
                    if email not in present and row.active:
                        row.active = False
                        deactivated += 1
        return added, updated, deactivated


def _record(entry: DirectoryEntry, office_id: int | None, row: PersonRow) -> PersonRecord:
    return PersonRecord(
        email=entry.email,
        name=entry.name or row.name or entry.email,
        office_id=office_id,
        department=entry.department,
        manager_email=entry.manager_email,
        job_title=entry.job_title,
        permissions=entry.permissions,
        fte=entry.fte,
        locale=entry.locale,
        timezone=row.timezone or "Europe/Stockholm",
    )


class SqlTripImport:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def save_trips(self, trips: Sequence[TripWrite], *, now: datetime) -> tuple[int, int]:
        """All trips in one transaction, upserted by (organisation, source, source id): (added, updated)."""
        added = updated = 0
        async with self._db.transaction() as session:
            for chunk in _chunks(trips, 500):
                existing = await self._existing(session, chunk)
                for trip in chunk:
                    row = existing.get((trip.organisation_id, trip.source, trip.source_id))
                    if row is None:
                        row = TripRow(
                            organisation_id=trip.organisation_id,
                            source=trip.source,
                            source_id=trip.source_id,
                            origin_name="",
                            destination_name="",
                            departure_date=trip.departure_date,
                            mode="",
                        )
                        session.add(row)
                        existing[(trip.organisation_id, trip.source, trip.source_id)] = row
                        added += 1
                    else:
                        updated += 1
                    _apply_trip(row, trip, now)
        return added, updated

    @staticmethod
    async def _existing(
        session: AsyncSession, chunk: Sequence[TripWrite]
    ) -> dict[tuple[int, str, str], TripRow]:
        organisation_id, source = chunk[0].organisation_id, chunk[0].source
        query = select(TripRow).where(
            TripRow.organisation_id == organisation_id,
            TripRow.source == source,
            TripRow.source_id.in_([trip.source_id for trip in chunk]),
        )
        rows = (await session.execute(query)).scalars()
        return {(row.organisation_id, row.source, row.source_id): row for row in rows}


def _chunks(items: Sequence[TripWrite], size: int) -> list[Sequence[TripWrite]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


class SqlReplayGuard:
    """Signatures of our own webhooks: the first sighting wins, the same one again is a replay."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def first_time(self, signature: str, *, organisation_id: int, now: datetime) -> bool:
        values = {"signature": signature, "organisation_id": organisation_id, "seen_at": now}
        async with self._db.transaction() as session:
            statement = insert_for(session)(WebhookSignatureRow).values(**values).on_conflict_do_nothing()
            return bool((await session.execute(statement)).rowcount)

    async def forget(self, signature: str) -> None:
        """A refused request leaves nothing behind, not even its signature."""
        async with self._db.transaction() as session:
            await session.execute(
                delete(WebhookSignatureRow).where(WebhookSignatureRow.signature == signature)
            )

    async def prune(self, *, before: datetime) -> int:
        """Signatures older than the replay window can never be accepted again anyway."""
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(WebhookSignatureRow).where(WebhookSignatureRow.seen_at < before)
            )
            return int(result.rowcount or 0)


_REF_CHANGING: Final = ("organisation_id", "person_id", "event_key", "organiser", "updated_at")


@functools.cache
def _upsert_ref(insert: Callable[[type[Any]], Any]) -> Any:
    """Built once per dialect's INSERT (``insert_for``)."""
    statement = insert(CalendarEventRefRow)
    return statement.on_conflict_do_update(
        index_elements=["provider", "mailbox", "external_id"],
        set_={name: statement.excluded[name] for name in _REF_CHANGING},
    )
