"""Who is writing: a Slack user matched to a person of the workspace's organisation (design section 8).

The workspace maps to an organisation (single-workspace mode: the default one, no linking), the user to
a person by the email Slack has for them (``users.info``); the match is stored as an identity (kind
"slack", realm = team id, external id = user id, address = the direct message channel). Someone the
directory does not know yet is offered a short onboarding instead of an error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.adapters.slack.calls import SlackCalls
from bot.adapters.slack.config import SlackConfig
from bot.adapters.slack.tokens import CACHE_SECONDS, WorkspaceKey
from bot.domain.organisations import Organisation, RealmKind
from bot.domain.people import Person
from bot.i18n import Locale, normalise_locale
from storage.organisations import SqlOffices, SqlOrganisations
from storage.people import PersonRecord, SqlPeople
from storage.slack import SqlSlackInstallations, SqlSlackPeople

KIND = "slack"


@dataclass(frozen=True, slots=True)
class SlackUser:
    workspace: WorkspaceKey  # the installation serving the request (an org-wide one has no team)
    user_id: str
    dm_channel: str | None = None  # known when the user wrote in the direct message with the bot
    team_id: str | None = None  # the user's own workspace, when the request says it

    @property
    def realm(self) -> str:
        """The identity's realm: the user's workspace (team id) even under an org-wide install."""
        return self.team_id or self.workspace.team_id or self.workspace.enterprise_id or ""


@dataclass(frozen=True, slots=True)
class Known:
    organisation: Organisation
    person: Person


@dataclass(frozen=True, slots=True)
class Newcomer:
    """In a linked workspace, but not (yet) a person of the organisation: offer the onboarding."""

    organisation: Organisation
    email: str | None
    name: str
    locale: Locale


@dataclass(frozen=True, slots=True)
class Unlinked:
    """The workspace belongs to no organisation (or none exists yet): a polite refusal."""

    team_id: str
    locale: Locale


Resolution = Known | Newcomer | Unlinked


@dataclass(frozen=True, slots=True)
class Profile:
    email: str | None
    name: str
    locale: str | None
    timezone: str | None


class SlackPeople:
    def __init__(
        self,
        *,
        config: SlackConfig,
        calls: SlackCalls,
        organisations: SqlOrganisations,
        offices: SqlOffices,
        people: SqlPeople,
        slack_people: SqlSlackPeople,
        installations: SqlSlackInstallations,
    ) -> None:
        self._config, self._calls = config, calls
        self._organisations, self._offices, self._people = organisations, offices, people
        self._slack_people, self._installations = slack_people, installations
        self._default: tuple[float, Organisation | None] | None = None
        self._locks = KeyedLocks()

    async def organisation(self, workspace: WorkspaceKey) -> Organisation | None:
        if not self._config.oauth:
            return await self._default_organisation()
        installation = await self._calls.tokens.workspace(workspace)
        if installation is not None and installation.organisation_id is not None:
            return await self._organisations.by_id(installation.organisation_id)
        found = await self.linked_organisation(workspace)
        if found is not None and installation is not None and installation.id is not None:
            await self._installations.link_organisation(installation.id, found.id)
            self._calls.tokens.forget()
        return found

    async def _default_organisation(self) -> Organisation | None:
        """Single-workspace mode: the only (or first) organisation, looked up at most every few seconds."""
        if self._default is not None and time.monotonic() - self._default[0] < CACHE_SECONDS:
            return self._default[1]
        organisations = await self._organisations.all()
        found = organisations[0] if organisations else None
        self._default = (time.monotonic(), found)
        return found

    async def linked_organisation(self, workspace: WorkspaceKey) -> Organisation | None:
        """The organisation an operator linked the team (or its Grid organisation) to."""
        if workspace.team_id and not workspace.is_enterprise_install:
            found = await self._organisations.by_realm(
                kind=RealmKind.SLACK_TEAM, external_id=workspace.team_id
            )
            if found is not None:
                return found
        if workspace.enterprise_id:
            return await self._organisations.by_realm(
                kind=RealmKind.SLACK_ENTERPRISE, external_id=workspace.enterprise_id
            )
        return None

    async def resolve(self, user: SlackUser) -> Resolution:
        # One at a time per account in this process: two events from a newcomer would link them twice.
        async with self._locks.hold((user.realm, user.user_id)):
            return await self._resolve(user)

    async def _resolve(self, user: SlackUser) -> Resolution:
        organisation = await self.organisation(user.workspace)
        if organisation is None:
            return Unlinked(user.workspace.team_id or user.workspace.enterprise_id or "", self._config.locale)
        person = await self._people.by_identity(kind=KIND, realm=user.realm, external_id=user.user_id)
        if person is not None and person.organisation_id == organisation.id and person.active:
            if user.dm_channel:
                await self._remember_channel(user, person)
            return Known(organisation, person)
        profile = await self.profile(user)
        if profile.email:
            person = await self._people.by_email(organisation.id, profile.email)
            if person is not None and person.active:
                await self._link(user, person)
                return Known(organisation, person)
        locale = normalise_locale(profile.locale, normalise_locale(organisation.default_locale))
        return Newcomer(organisation, profile.email, profile.name, locale)

    async def onboard(self, user: SlackUser, organisation: Organisation, office_id: int) -> Person | None:
        """The newcomer chose an office: they become a person of the organisation, linked to this account."""
        office = await self._offices.by_id(office_id)
        profile = await self.profile(user)
        if office is None or office.organisation_id != organisation.id or not profile.email:
            return None
        record = PersonRecord(
            email=profile.email,
            name=profile.name or profile.email,
            office_id=office.id,
            locale=normalise_locale(profile.locale, normalise_locale(organisation.default_locale)),
            timezone=_timezone(profile.timezone, organisation.timezone),
        )
        await self._people.upsert_many(organisation.id, [record])
        person = await self._people.by_email(organisation.id, profile.email)
        if person is not None:
            await self._link(user, person)
        return person

    async def profile(self, user: SlackUser) -> Profile:
        answer = await self._calls(
            user.workspace, lambda client: client.users_info(user=user.user_id, include_locale=True)
        )
        found: dict[str, Any] = answer.get("user") or {}
        details: dict[str, Any] = found.get("profile") or {}
        email = details.get("email") if not found.get("is_bot") else None
        name = str(details.get("real_name") or found.get("real_name") or found.get("name") or "")
        return Profile(str(email) if email else None, name, found.get("locale"), found.get("tz"))

    async def _remember_channel(self, user: SlackUser, person: Person) -> None:
        address = await self._slack_people.address(team_id=user.realm, user_id=user.user_id)
        if address is None or address.get("channel") != user.dm_channel:
            await self._link(user, person)

    async def _link(self, user: SlackUser, person: Person) -> None:
        known = await self._slack_people.address(team_id=user.realm, user_id=user.user_id) or {}
        address = dict(known)
        if user.dm_channel:
            address["channel"] = user.dm_channel
        if user.workspace.enterprise_id:
            address["enterprise_id"] = user.workspace.enterprise_id
        try:
            await self._people.link_identity(
                person.id, kind=KIND, realm=user.realm, external_id=user.user_id, address=address or None
            )
        except Exception:  # another process linked the same account at the same moment: that will do
            found = await self._people.by_identity(kind=KIND, realm=user.realm, external_id=user.user_id)
            if found is None or found.id != person.id:
                raise


class KeyedLocks:
    """An asyncio lock per key, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._held: dict[object, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def hold(self, key: object) -> AsyncIterator[None]:
        lock, users = self._held.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._held[key]


def _timezone(candidate: str | None, fallback: str) -> str:
    if not candidate:
        return fallback
    try:
        ZoneInfo(candidate)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
    return candidate
