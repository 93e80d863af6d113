"""What ingestion needs from storage and from the calendar providers (implemented in ``storage.ingest``
and ``bot.adapters.calendars``), and the plain values that cross those boundaries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from bot.domain.people import Permission
from bot.domain.records import TripWrite

JsonObject = dict[str, Any]


class ProviderError(Exception):
    """A provider answered with an error we cannot use; ``status`` is the HTTP status (0: no answer)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}" if status else message)
        self.status = status


class NotConfigured(Exception):
    """The organisation has no credentials for this provider; the message says what to set."""


class NotFoundError(ProviderError):
    """404: the event or subscription is gone."""


class GoneError(ProviderError):
    """410: a Google sync token or a Graph delta token is no longer valid; start a full sync."""


@dataclass(frozen=True, slots=True)
class CalendarLink:
    """A Graph subscription or Google push channel on one person's calendar."""

    provider: str
    external_id: str
    organisation_id: int
    person_id: int
    mailbox: str
    secret: str
    expires_at: datetime
    resource_id: str | None = None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row of the inbound log claimed for work: its id, its source and what was kept of the event."""

    id: int
    source: str
    payload: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class EventRef:
    """A mailbox's copy of an event and the meeting's shared key."""

    organisation_id: int
    person_id: int
    provider: str
    mailbox: str
    external_id: str
    event_key: str
    organiser: bool


@dataclass(frozen=True, slots=True)
class IcsFeed:
    id: int
    organisation_id: int
    person_id: int
    url: str
    etag: str | None = None
    last_modified: str | None = None
    seen: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FetchedFeed:
    """An ICS body, or ``None`` when the server said it has not changed (304)."""

    body: bytes | None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """What a people import or a directory sync says about one person (office by name, manager by email)."""

    email: str
    name: str
    office: str = ""
    department: str = ""
    manager_email: str | None = None
    job_title: str = ""
    permissions: frozenset[Permission] = frozenset()
    fte: Decimal = Decimal("1.0")
    locale: str = "sv"


@dataclass(frozen=True, slots=True)
class DirectoryResult:
    added: int = 0
    updated: int = 0
    deactivated: int = 0
    offices_created: tuple[str, ...] = ()
    unknown_offices: tuple[str, ...] = field(default=())


class CalendarLinks(Protocol):
    async def save(self, link: CalendarLink, *, now: datetime) -> None: ...

    async def get(self, provider: str, external_id: str) -> CalendarLink | None: ...

    async def many(self, provider: str, external_ids: Sequence[str]) -> dict[str, CalendarLink]: ...

    async def for_person(self, provider: str, person_id: int) -> Sequence[CalendarLink]: ...

    async def all(self, provider: str, *, organisation_id: int | None = None) -> Sequence[CalendarLink]: ...

    async def expiring(self, provider: str, *, before: datetime) -> Sequence[CalendarLink]: ...

    async def remove(self, provider: str, external_id: str) -> None: ...

    async def cursor(self, provider: str, person_id: int) -> str | None: ...

    async def save_cursor(
        self, provider: str, *, organisation_id: int, person_id: int, cursor: str | None, now: datetime
    ) -> None: ...

    async def save_ref(self, ref: EventRef, *, now: datetime) -> None: ...

    async def save_refs(self, refs: Sequence[EventRef], *, now: datetime) -> None: ...

    async def ref(self, provider: str, mailbox: str, external_id: str) -> EventRef | None: ...

    async def organiser_ref(self, organisation_id: int, provider: str, event_key: str) -> EventRef | None: ...

    async def meeting_source(self, meeting_id: int) -> tuple[int, str, str, int | None] | None: ...


class InboundLog(Protocol):
    async def begin(
        self, *, source: str, delivery_id: str, payload: dict[str, Any], now: datetime
    ) -> int | None: ...

    async def finish(self, entry_id: int, *, now: datetime, result: dict[str, Any] | None = None) -> None: ...

    async def unfinished(self, *, source: str, limit: int = 100) -> Sequence[Any]: ...


class InboundQueue(Protocol):
    """The inbound log as a work queue: rows written in batches, claimed under a lease (see storage)."""

    async def begin_many(
        self, entries: Sequence[tuple[str, str, dict[str, Any]]], *, now: datetime
    ) -> dict[tuple[str, str], int]: ...

    async def claim(
        self, *, sources: Sequence[str], now: datetime, lease_until: datetime, limit: int
    ) -> Sequence[Claimed]: ...

    async def finish_many(self, entry_ids: Sequence[int], *, now: datetime) -> None: ...

    async def release(self, entry_ids: Sequence[int], *, until: datetime | None) -> None: ...

    async def waiting(self, *, sources: Sequence[str], now: datetime) -> int: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...


class GraphApi(Protocol):
    """Microsoft Graph, app-only, for one tenant (credentials chosen per organisation)."""

    async def create_subscription(self, body: JsonObject) -> JsonObject: ...

    async def renew_subscription(self, subscription_id: str, expires_at: datetime) -> JsonObject: ...

    async def delete_subscription(self, subscription_id: str) -> None: ...

    async def get_event(self, user: str, event_id: str, select: Sequence[str]) -> JsonObject: ...

    async def get_events(
        self, wanted: Sequence[tuple[str, str]], select: Sequence[str]
    ) -> list[JsonObject | ProviderError]:
        """Several (user, event id) at once; for each, the event or the error its own answer means."""
        ...

    async def delta_page(self, url_or_path: str, params: Mapping[str, str] | None) -> JsonObject: ...

    async def users_page(self, url_or_path: str, params: Mapping[str, str] | None) -> JsonObject: ...

    async def update_event(self, user: str, event_id: str, body: JsonObject) -> None: ...


class GoogleApi(Protocol):
    """Google Calendar and the Admin directory through a service account acting as ``subject``."""

    async def watch(self, subject: str, calendar_id: str, body: JsonObject) -> JsonObject: ...

    async def stop_channel(self, subject: str, channel_id: str, resource_id: str) -> None: ...

    async def events_page(self, subject: str, calendar_id: str, params: Mapping[str, str]) -> JsonObject: ...

    async def users_page(self, subject: str, params: Mapping[str, str]) -> JsonObject: ...


class FeedFetcher(Protocol):
    async def fetch(self, url: str, *, etag: str | None, last_modified: str | None) -> FetchedFeed: ...


class Feeds(Protocol):
    async def add(self, *, organisation_id: int, person_id: int, url: str, now: datetime) -> IcsFeed: ...

    async def all(self, *, organisation_id: int | None = None) -> Sequence[IcsFeed]: ...

    async def polled(
        self,
        feed_id: int,
        *,
        now: datetime,
        etag: str | None,
        last_modified: str | None,
        seen: Sequence[str] | None,
        error: str | None,
    ) -> None: ...


class Directory(Protocol):
    async def apply(
        self,
        organisation_id: int,
        entries: Sequence[tuple[DirectoryEntry, int | None]],
        *,
        deactivate_missing: bool,
        now: datetime,
    ) -> tuple[int, int, int]:
        """Upsert people (each with its office id) in one transaction: (added, updated, deactivated)."""
        ...


class TripStore(Protocol):
    async def save_trips(self, trips: Sequence[TripWrite], *, now: datetime) -> tuple[int, int]: ...
