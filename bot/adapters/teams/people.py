"""Who is writing: a Teams account (tenant + Entra object id) mapped to an organisation and a person.

People are matched by their Teams identity, or the first time by the email the connector's member
lookup gives; the identity's address is refreshed when it changes (see ``accounts.py`` for its shape).
A person found by their identity is remembered for a minute, with their stored address, so a turn from
someone already known reads nothing and writes nothing unless their address changed (a directory change,
such as a person made inactive, is seen within that minute; after a write the next turn reads again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext

from bot.adapters.teams.accounts import Account, address_of, keeping_reference, member_email
from bot.domain.organisations import Organisation, RealmKind
from bot.domain.people import Channel, Person
from bot.ports import Organisations, People
from storage.teams import KIND, SqlTeamsContacts, TeamsContact

log = logging.getLogger(__name__)

SEEN_GRANULARITY: Final = timedelta(minutes=10)
ORGANISATION_TTL: Final = timedelta(seconds=60)
CONTACT_TTL: Final = timedelta(seconds=60)
CONTACTS_KEPT: Final = 50_000  # remembered accounts per process, at most (then the memory starts again)


@dataclass(frozen=True, slots=True)
class Known:
    organisation: Organisation
    person: Person


@dataclass(frozen=True, slots=True)
class Unknown:
    """The tenant belongs to an organisation, but its directory has no such person (yet)."""

    organisation: Organisation


@dataclass(frozen=True, slots=True)
class Refused:
    """The tenant is not linked to any organisation."""


Sender = Known | Unknown | Refused


class TeamsPeople:
    """Finds the person behind an account, linking it by email the first time (design 8)."""

    def __init__(
        self,
        *,
        organisations: Organisations,
        people: People,
        contacts: SqlTeamsContacts,
        anonymous: bool,
        now: Callable[[], datetime],
    ) -> None:
        self._organisations, self._people, self._contacts = organisations, people, contacts
        self._anonymous, self._now = anonymous, now
        self._cache: dict[int, tuple[datetime, Organisation]] = {}
        self._contacts_seen: dict[tuple[str, str], tuple[datetime, TeamsContact]] = {}

    async def sender(self, context: TurnContext, account: Account) -> Sender:
        """Who wrote; the stored address is refreshed on every activity (service URLs move)."""
        activity = context.activity
        contact = await self._contact(account)
        if contact is not None:
            organisation = await self._organisation(contact.person.organisation_id)
            if organisation is not None and contact.person.active:
                await self._refresh(contact, account, activity)
                return Known(organisation, contact.person)
            self._forget(account)
        organisation = await self.organisation_for(account.tenant_id)
        if organisation is None:
            return Refused()
        person = await self._by_email(context, organisation, account)
        if person is None:
            return Unknown(organisation)
        await self._link(person, account, activity, keep={})
        return Known(organisation, person)

    def remembered(self, account: Account) -> Person | None:
        """The active person behind this account if this process knows them (no database read)."""
        kept = self._contacts_seen.get((account.tenant_id, account.aad_object_id))
        if kept is None or self._now() - kept[0] >= CONTACT_TTL or not kept[1].person.active:
            return None
        return kept[1].person

    async def organisation_for(self, tenant_id: str) -> Organisation | None:
        """The organisation linked to this Entra tenant; anonymously (loopback only) the first one."""
        found = await self._organisations.by_realm(kind=RealmKind.ENTRA_TENANT, external_id=tenant_id)
        if found is None and self._anonymous:
            every = await self._organisations.all()
            found = every[0] if every else None
        return found

    async def link_member(
        self, context: TurnContext, organisation: Organisation, member: Account, *, email: str = ""
    ) -> bool:
        """A roster member (never wrote): linked with an address the messenger can open a 1:1 chat from."""
        existing = await self._contacts.find(tenant_id=member.tenant_id, aad_object_id=member.aad_object_id)
        if existing is not None:
            return True
        email = email.strip().lower() or await member_email(context, member)
        person = await self._people.by_email(organisation.id, email) if email else None
        if person is None or not person.active:
            return False
        address = address_of(context.activity, member)
        address.pop("reference", None)
        await self._people.link_identity(
            person.id, kind=KIND, realm=member.tenant_id, external_id=member.aad_object_id, address=address
        )
        return True

    async def _refresh(self, contact: TeamsContact, account: Account, activity: Activity) -> None:
        """Write only what changed: a new address, Teams becoming the last channel, or a stale last-seen."""
        address = keeping_reference(address_of(activity, account), contact.address)
        now = self._now()
        fresh = contact.last_seen_at is not None and now - contact.last_seen_at < SEEN_GRANULARITY
        if address == contact.address and contact.person.last_channel is Channel.TEAMS and fresh:
            return
        await self._people.link_identity(
            contact.person.id,
            kind=KIND,
            realm=account.tenant_id,
            external_id=account.aad_object_id,
            address=address,
        )
        self._forget(account)  # written rarely (a change, or every ten minutes): the next turn reads it again

    async def _contact(self, account: Account) -> TeamsContact | None:
        """The stored contact, from this process's memory when it was read within the last minute."""
        key, now = (account.tenant_id, account.aad_object_id), self._now()
        kept = self._contacts_seen.get(key)
        if kept is not None and now - kept[0] < CONTACT_TTL:
            return kept[1]
        contact = await self._contacts.find(tenant_id=account.tenant_id, aad_object_id=account.aad_object_id)
        if contact is not None:
            self._remember(account, contact, since=now)
        return contact

    def _remember(self, account: Account, contact: TeamsContact, *, since: datetime) -> None:
        if len(self._contacts_seen) >= CONTACTS_KEPT:
            self._contacts_seen.clear()
        self._contacts_seen[(account.tenant_id, account.aad_object_id)] = (since, contact)

    def _forget(self, account: Account) -> None:
        self._contacts_seen.pop((account.tenant_id, account.aad_object_id), None)

    async def _organisation(self, organisation_id: int) -> Organisation | None:
        """Organisations change rarely; each process keeps them for a minute."""
        now = self._now()
        cached = self._cache.get(organisation_id)
        if cached is not None and now - cached[0] < ORGANISATION_TTL:
            return cached[1]
        found = await self._organisations.by_id(organisation_id)
        if found is not None:
            self._cache[organisation_id] = (now, found)
        return found

    async def _link(
        self, person: Person, account: Account, activity: Activity, *, keep: dict[str, Any]
    ) -> None:
        address = keeping_reference(address_of(activity, account), keep)
        await self._people.link_identity(
            person.id, kind=KIND, realm=account.tenant_id, external_id=account.aad_object_id, address=address
        )

    async def _by_email(
        self, context: TurnContext, organisation: Organisation, account: Account
    ) -> Person | None:
        email = await member_email(context, account)
        if not email:
            return None
        person = await self._people.by_email(organisation.id, email)
        return person if person is not None and person.active else None
