"""Ports: the Protocols the core needs from the outside world, and neutral delivery errors.

Storage implements the repositories (``Sql*``), adapters implement ``Messenger``, tests use fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from bot.domain.delivery import OutboxItem, SentRef
from bot.domain.organisations import Office, Organisation, Realm, RealmKind
from bot.domain.people import Identity, Person
from bot.messages import OutgoingMessage, Recipient


class RateLimited(Exception):
    """The platform asked us to wait ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited; retry after {retry_after:.1f} s")
        self.retry_after = retry_after


class RecipientUnreachable(Exception):
    """This person cannot be reached on this channel (blocked, uninstalled, deactivated): no retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryFailed(Exception):
    """A passing fault (5xx, time-out, connection refused): retried with backoff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Messenger(Protocol):
    """One per platform; raises RateLimited, RecipientUnreachable or DeliveryFailed."""

    async def send(self, recipient: Recipient, message: OutgoingMessage, *, key: str) -> SentRef: ...

    async def update(self, ref: SentRef, message: OutgoingMessage) -> None: ...


class DeliveryCheck(Protocol):
    """Optional on a Messenger: was this outbox item delivered before a crash? (Slack: message metadata)."""

    async def find_delivered(self, item: OutboxItem) -> SentRef | None: ...


class Outbox(Protocol):
    async def claim_due(self, *, now: datetime, limit: int, lease_seconds: float) -> Sequence[OutboxItem]: ...

    # With ``lease``, a result is recorded only while the claim still holds; False means another took it.
    async def mark_sent(
        self, item_id: int, *, ref: SentRef, now: datetime, redelivered: bool, lease: datetime | None = None
    ) -> bool: ...

    # ``maybe_delivered``: an earlier attempt may have gone out (a crash); the next claim must know it too.
    async def mark_retry(
        self,
        item_id: int,
        *,
        at: datetime,
        error: str,
        now: datetime,
        lease: datetime | None = None,
        maybe_delivered: bool = False,
    ) -> bool: ...

    async def mark_unreachable(
        self, item_id: int, *, reason: str, now: datetime, lease: datetime | None = None
    ) -> bool: ...

    async def mark_failed(
        self, item_id: int, *, error: str, now: datetime, lease: datetime | None = None
    ) -> bool: ...


class StorageUnavailable(RuntimeError):
    """The database cannot be reached right now (down, or every connection busy): a condition to report
    and try again later, not a bug. Storage raises it as ``storage.database.DatabaseUnavailable``."""


class Atomic(Protocol):
    """One transaction for a unit of work, holding locks on named keys ("person:12") across processes."""

    def __call__(self, lock_keys: Sequence[str] = ()) -> AbstractAsyncContextManager[None]: ...


class Clock(Protocol):
    """Where ``now`` comes from, and how waiting happens, so tests never sleep."""

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class Organisations(Protocol):
    async def create(self, *, slug: str, name: str, timezone: str, default_locale: str) -> Organisation: ...

    async def by_slug(self, slug: str) -> Organisation | None: ...

    async def by_id(self, organisation_id: int) -> Organisation | None: ...

    async def all(self) -> Sequence[Organisation]: ...

    async def link_realm(self, organisation_id: int, *, kind: RealmKind, external_id: str) -> Realm: ...

    async def by_realm(self, *, kind: RealmKind, external_id: str) -> Organisation | None: ...

    async def update_settings(self, organisation_id: int, settings: dict[str, object]) -> Organisation: ...


class Offices(Protocol):
    async def upsert(
        self, organisation_id: int, *, name: str, place_key: str, place_name: str, lat: float, lon: float
    ) -> Office: ...

    async def list(self, organisation_id: int) -> Sequence[Office]: ...

    async def by_id(self, office_id: int) -> Office | None: ...


class People(Protocol):
    async def by_id(self, person_id: int) -> Person | None: ...

    async def by_email(self, organisation_id: int, email: str) -> Person | None: ...

    async def by_emails(self, organisation_id: int, emails: Sequence[str]) -> dict[str, Person]: ...

    async def by_identity(self, *, kind: str, realm: str, external_id: str) -> Person | None: ...

    async def list(self, organisation_id: int, *, active_only: bool = True) -> Sequence[Person]: ...

    async def link_identity(
        self,
        person_id: int,
        *,
        kind: str,
        realm: str,
        external_id: str,
        address: dict[str, Any] | None = None,
    ) -> Identity: ...
