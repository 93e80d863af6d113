"""The people of an organisation from a file, Microsoft Entra ID (through Graph) or Google Workspace.

A sync deactivates people the directory no longer lists (disabled or removed accounts), but only after a
complete, non-empty listing: a failed or empty answer never empties the organisation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.domain.organisations import Organisation
from bot.domain.people import normalise_email
from bot.i18n import normalise_locale
from bot.ingest.ports import Directory, DirectoryEntry, DirectoryResult, GoogleApi, GraphApi, NotConfigured
from bot.ports import Clock, Offices
from bot.savings.places import Gazetteer, PlaceError, fold

log = logging.getLogger(__name__)

GRAPH_USER_FIELDS: Final = ",".join(
    (
        "id",
        "mail",
        "userPrincipalName",
        "displayName",
        "department",
        "officeLocation",
        "jobTitle",
        "accountEnabled",
        "preferredLanguage",
    )
)
GOOGLE_DIRECTORY_SCOPE: Final = "https://www.googleapis.com/auth/admin.directory.user.readonly"
MAX_PAGES: Final = 1000


class DirectoryEmpty(RuntimeError):
    """The directory listed nobody; nothing is changed."""


@dataclass(frozen=True, slots=True)
class OfficeLookup:
    ids: Mapping[str, int]
    created: tuple[str, ...]
    unknown: tuple[str, ...]


class DirectoryService:
    def __init__(
        self,
        *,
        directory: Directory,
        offices: Offices,
        gazetteer: Gazetteer,
        clock: Clock,
        graph: Callable[[Organisation], GraphApi],
        google: Callable[[Organisation], tuple[GoogleApi, str]],
    ) -> None:
        self._directory, self._offices, self._gazetteer, self._clock = directory, offices, gazetteer, clock
        self._graph, self._google = graph, google

    async def resolve_offices(
        self, organisation: Organisation, names: Iterable[str], *, create: bool = True
    ) -> OfficeLookup:
        """Office names -> ids: an existing office by name or town, else a new office in the named town
        (with ``create=False`` only checked: ``unknown`` lists the names that are no place)."""
        existing = list(await self._offices.list(organisation.id))
        by_name = {fold(office.name): office.id for office in existing}
        by_place = {office.place_key: office.id for office in existing}
        ids, created, unknown = {}, [], []
        for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
            if fold(name) in by_name:
                ids[name] = by_name[fold(name)]
                continue
            try:
                place = self._gazetteer.resolve(name)
            except PlaceError:
                unknown.append(name)
                continue
            if place.key not in by_place and not create:
                continue
            if place.key not in by_place:
                office = await self._offices.upsert(
                    organisation.id,
                    name=name,
                    place_key=place.key,
                    place_name=place.name,
                    lat=place.lat,
                    lon=place.lon,
                )
                by_place[place.key] = office.id
                created.append(name)
            ids[name] = by_name[fold(name)] = by_place[place.key]
        return OfficeLookup(ids, tuple(created), tuple(unknown))

    async def apply(
        self, organisation: Organisation, entries: Sequence[DirectoryEntry], *, deactivate_missing: bool
    ) -> DirectoryResult:
        offices = await self.resolve_offices(organisation, (e.office for e in entries))
        resolved = [(entry, offices.ids.get(entry.office.strip())) for entry in entries]
        added, updated, deactivated = await self._directory.apply(
            organisation.id, resolved, deactivate_missing=deactivate_missing, now=self._clock.now()
        )
        return DirectoryResult(added, updated, deactivated, offices.created, offices.unknown)

    async def sync(
        self, organisation: Organisation, source: str | None = None
    ) -> tuple[str, DirectoryResult]:
        """From the organisation's directory: Entra ID through Graph, or Google Workspace."""
        chosen = source or self._source(organisation)
        entries = await (
            self.from_graph(organisation) if chosen == "graph" else self.from_google(organisation)
        )
        if not entries:
            raise DirectoryEmpty(f"the {chosen} directory listed nobody; nothing was changed")
        return chosen, await self.apply(organisation, entries, deactivate_missing=True)

    def _source(self, organisation: Organisation) -> str:
        """settings.directory ("graph" or "google") when set; else Graph when configured, else Google."""
        chosen = organisation.settings.get("directory")
        if chosen in ("graph", "google"):
            return str(chosen)
        try:
            self._graph(organisation)
            return "graph"
        except NotConfigured:
            pass
        self._google(organisation)  # raises NotConfigured naming both
        return "google"

    async def from_graph(self, organisation: Organisation) -> list[DirectoryEntry]:
        api = self._graph(organisation)
        params: dict[str, str] | None = {
            "$select": GRAPH_USER_FIELDS,
            "$expand": "manager($select=id,mail,userPrincipalName)",
            "$top": "999",
        }
        url, entries = "/users", list[DirectoryEntry]()
        for _ in range(MAX_PAGES):
            page = await api.users_page(url, params)
            entries.extend(e for user in page.get("value") or [] if (e := _graph_user(user, organisation)))
            next_link = page.get("@odata.nextLink")
            if not isinstance(next_link, str):
                return entries
            url, params = next_link, None
        raise RuntimeError("the Graph user list did not end")

    async def from_google(self, organisation: Organisation) -> list[DirectoryEntry]:
        api, admin = self._google(organisation)
        if not admin:
            raise NotConfigured(
                "settings.google.admin_email is needed to read the Google Workspace directory"
            )
        params = {"customer": "my_customer", "maxResults": "500", "projection": "full"}
        entries: list[DirectoryEntry] = []
        for _ in range(MAX_PAGES):
            page = await api.users_page(admin, params)
            entries.extend(e for user in page.get("users") or [] if (e := _google_user(user, organisation)))
            token = page.get("nextPageToken")
            if not isinstance(token, str) or not token:
                return entries
            params = params | {"pageToken": token}
        raise RuntimeError("the Google user list did not end")


def _email(*candidates: Any) -> str | None:
    for candidate in candidates:
        if isinstance(candidate, str) and candidate:
            try:
                return normalise_email(candidate)
            except ValueError:
                continue
    return None


def _text(value: Any) -> str:
    return str(value).strip()[:200] if isinstance(value, str) else ""


def _graph_user(user: Any, organisation: Organisation) -> DirectoryEntry | None:
    if not isinstance(user, Mapping) or user.get("accountEnabled") is False:
        return None
    email = _email(user.get("mail"), user.get("userPrincipalName"))
    if email is None or "#ext#" in email:  # guests are not the organisation's people
        return None
    manager = user.get("manager")
    manager_email = (
        _email(manager.get("mail"), manager.get("userPrincipalName"))
        if isinstance(manager, Mapping)
        else None
    )
    return DirectoryEntry(
        email=email,
        name=_text(user.get("displayName")) or email,
        office=_text(user.get("officeLocation")),
        department=_text(user.get("department")),
        manager_email=manager_email,
        job_title=_text(user.get("jobTitle")),
        locale=normalise_locale(
            _text(user.get("preferredLanguage")) or None, organisation_locale(organisation)
        ),
    )


def _google_user(user: Any, organisation: Organisation) -> DirectoryEntry | None:
    if not isinstance(user, Mapping) or user.get("suspended") is True or user.get("archived") is True:
        return None
    email = _email(user.get("primaryEmail"))
    if email is None:
        return None
    organisations = [o for o in user.get("organizations") or [] if isinstance(o, Mapping)]
    primary = next((o for o in organisations if o.get("primary")), organisations[0] if organisations else {})
    managers = [
        r.get("value")
        for r in user.get("relations") or []
        if isinstance(r, Mapping) and r.get("type") == "manager"
    ]
    languages = [
        lang.get("languageCode")
        for lang in user.get("languages") or []
        if isinstance(lang, Mapping) and lang.get("preference") == "preferred"
    ]
    name = user.get("name")
    return DirectoryEntry(
        email=email,
        name=_text(name.get("fullName")) if isinstance(name, Mapping) else email,
        office=_text(primary.get("location")),
        department=_text(primary.get("department")),
        manager_email=_email(*managers),
        job_title=_text(primary.get("title")),
        locale=normalise_locale(str(languages[0]) if languages else None, organisation_locale(organisation)),
    )


def organisation_locale(organisation: Organisation) -> Any:
    return normalise_locale(organisation.default_locale)
