"""Google Calendar: a push channel per person, incremental sync with sync tokens, channel renewal.

A push notification carries no event: it says "something changed", and the calendar is synced from its
stored sync token. A 410 means the token is no longer valid: the token is dropped and a full sync runs.
Channels cannot be renewed; a new one is opened before the old one expires, then the old one stopped.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.ingest.google_events import FIELDS, SOURCE, GoogleEventError, is_cancelled, to_calendar_event
from bot.ingest.ports import CalendarLink, CalendarLinks, GoneError, GoogleApi, InboundLog
from bot.ingest.subscriptions import SubscribeReport, renew_links, subscribe_everyone
from bot.ingest.worker import BackgroundWork
from bot.nudges.service import NudgeRefused, NudgeService
from bot.ports import Clock, Organisations, People

log = logging.getLogger(__name__)

LIFETIME: Final = timedelta(days=7)
RENEW_BEFORE: Final = timedelta(days=1)
WINDOW: Final = timedelta(days=60)
MAX_PAGES: Final = 200
GoogleApis = Callable[[Organisation], tuple[GoogleApi, str]]


class GoogleSync:
    def __init__(
        self,
        *,
        apis: GoogleApis,
        links: CalendarLinks,
        organisations: Organisations,
        people: People,
        nudge_service: NudgeService,
        clock: Clock,
        public_url: str,
    ) -> None:
        self._apis, self._links, self._organisations = apis, links, organisations
        self._people, self._nudges, self._clock = people, nudge_service, clock
        self._address = f"{public_url.rstrip('/')}/webhooks/google"

    async def subscribe_organisation(self, organisation: Organisation) -> SubscribeReport:
        self._apis(organisation)  # NotConfigured before anything is tried
        return await subscribe_everyone(
            organisation, provider=SOURCE, people=self._people, links=self._links, subscribe=self.subscribe
        )

    async def subscribe(self, organisation: Organisation, person: Person) -> CalendarLink:
        """A channel on the person's primary calendar, then a first full sync (which stores the token)."""
        link = await self._watch(organisation, person)
        await self.catch_up(link)
        return link

    async def _watch(self, organisation: Organisation, person: Person) -> CalendarLink:
        api, _ = self._apis(organisation)
        now, token = self._clock.now(), secrets.token_urlsafe(32)
        body = {
            "id": str(uuid.uuid4()),
            "type": "web_hook",
            "address": self._address,
            "token": token,
            "expiration": int((now + LIFETIME).timestamp() * 1000),
        }
        answer = await api.watch(person.email, person.email, body)
        link = CalendarLink(
            provider=SOURCE,
            external_id=str(answer.get("id") or body["id"]),
            organisation_id=organisation.id,
            person_id=person.id,
            mailbox=person.email,
            secret=token,
            expires_at=_expiry(answer.get("expiration"), now + LIFETIME),
            resource_id=str(answer.get("resourceId") or ""),
        )
        await self._links.save(link, now=now)
        return link

    async def renew_expiring(self) -> int:
        before = self._clock.now() + RENEW_BEFORE
        return await renew_links(provider=SOURCE, links=self._links, before=before, renew=self._renew)

    async def _renew(self, link: CalendarLink) -> None:
        organisation = await self._organisation(link)
        person = await self._people.by_id(link.person_id)
        if person is not None and person.active:
            await self._watch(organisation, person)
        await self._links.remove(SOURCE, link.external_id)
        api, _ = self._apis(organisation)
        try:
            await api.stop_channel(link.mailbox, link.external_id, link.resource_id or "")
        except Exception as error:  # it expires by itself anyway
            log.info("google channel %s not stopped: %s", link.external_id, type(error).__name__)

    async def link(self, channel: str) -> CalendarLink | None:
        return await self._links.get(SOURCE, channel)

    async def links(self) -> list[CalendarLink]:
        return list(await self._links.all(SOURCE))

    async def genuine(self, headers: Mapping[str, str]) -> CalendarLink | None:
        channel, token = headers.get("X-Goog-Channel-ID", ""), headers.get("X-Goog-Channel-Token", "")
        if not channel or len(channel) > 255 or not channel.isprintable():
            return None
        link = await self._links.get(SOURCE, channel)
        if link is None or not hmac.compare_digest(token.encode(), link.secret.encode()):
            log.warning(
                "google notification for channel %s refused: unknown channel or wrong token", channel[:64]
            )
            return None
        resource = headers.get("X-Goog-Resource-ID", "")
        if link.resource_id and resource and resource != link.resource_id:
            log.warning("google notification for channel %s refused: another resource", channel[:64])
            return None
        return link

    async def catch_up(self, link: CalendarLink) -> int:
        """Incremental sync from the stored token; a full sync without one, or after a 410."""
        organisation = await self._organisation(link)
        token = await self._links.cursor(SOURCE, link.person_id)
        try:
            return await self._sync(organisation, link, token)
        except GoneError:
            log.info("google sync token for person %s expired: full sync", link.person_id)
            await self._save_token(organisation, link, None)
            return await self._sync(organisation, link, None)

    async def _sync(self, organisation: Organisation, link: CalendarLink, token: str | None) -> int:
        api, _ = self._apis(organisation)
        person = await self._people.by_id(link.person_id)
        zone = ZoneInfo(person.timezone if person else organisation.timezone)
        base = {"singleEvents": "true", "maxResults": "250", "fields": FIELDS}
        params = base | ({"syncToken": token} if token else {})
        seen = 0
        for _ in range(MAX_PAGES):
            page = await api.events_page(link.mailbox, link.mailbox, params)
            for item in page.get("items") or []:
                if isinstance(item, Mapping):
                    seen += await self._item(organisation, link, item, zone)
            if isinstance(page.get("nextPageToken"), str):
                params = params | {"pageToken": page["nextPageToken"]}
                continue
            if isinstance(page.get("nextSyncToken"), str):
                await self._save_token(organisation, link, page["nextSyncToken"])
            return seen
        raise RuntimeError("the Google event list did not end")

    async def _item(
        self, organisation: Organisation, link: CalendarLink, item: Mapping[str, Any], zone: ZoneInfo
    ) -> int:
        event_id = item.get("id")
        if not isinstance(event_id, str) or not event_id:
            return 0
        if is_cancelled(item) and "start" not in item:
            await self._nudges.meeting_cancelled(organisation.id, source=SOURCE, event_id=event_id)
            return 1
        now = self._clock.now()
        emails = [str(a.get("email") or "") for a in item.get("attendees") or [] if isinstance(a, Mapping)]
        internal = await self._people.by_emails(
            organisation.id, [e for e in [*emails, link.mailbox] if "@" in e]
        )
        try:
            event = to_calendar_event(item, owner=link.mailbox, internal=internal, zone=zone)
        except GoogleEventError as error:
            log.warning("google event unreadable: %s", error.field)
            return 0
        if event.end <= now or event.start > now + WINDOW:
            return 0
        try:
            await self._nudges.meeting_changed(organisation.id, event)
        except NudgeRefused as refused:
            log.info("google event not used: %s", refused.code)
        return 1

    async def _save_token(self, organisation: Organisation, link: CalendarLink, token: str | None) -> None:
        await self._links.save_cursor(
            SOURCE,
            organisation_id=organisation.id,
            person_id=link.person_id,
            cursor=token,
            now=self._clock.now(),
        )

    async def _organisation(self, link: CalendarLink) -> Organisation:
        organisation = await self._organisations.by_id(link.organisation_id)
        if organisation is None:
            raise LookupError(f"no organisation {link.organisation_id}")
        return organisation


def _expiry(value: Any, fallback: datetime) -> datetime:
    """Google gives the expiration in milliseconds since the epoch, as a string."""
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return fallback


class GoogleInbox:
    """Push notifications: checked, committed, answered, then the calendar is synced in the background."""

    def __init__(self, *, sync: GoogleSync, inbound: InboundLog, clock: Clock, work: BackgroundWork) -> None:
        self._sync, self._inbound, self._clock, self._work = sync, inbound, clock, work

    async def accept(self, headers: Mapping[str, str]) -> bool:
        link = await self._sync.genuine(headers)
        if link is None:
            return False
        state = headers.get("X-Goog-Resource-State", "")
        if state == "sync":  # the channel's first message: nothing changed yet
            return True
        number = headers.get("X-Goog-Message-Number", "")[:20]
        entry = await self._inbound.begin(
            source=SOURCE,
            delivery_id=f"{link.external_id}:{number or self._clock.now().isoformat()}",
            payload={"channel": link.external_id, "state": state[:20]},
            now=self._clock.now(),
        )
        if entry is not None:
            self._submit(entry, link.external_id)
        return True

    def _submit(self, entry_id: int, channel: str) -> None:
        async def job() -> None:
            link = await self._sync.link(channel)
            if link is not None:
                await self._sync.catch_up(link)
            await self._inbound.finish(entry_id, now=self._clock.now())

        self._work.submit(f"google:{entry_id}", job)

    async def resume(self) -> int:
        resumed = 0
        for entry in await self._inbound.unfinished(source=SOURCE, limit=1000):
            if isinstance(entry.payload, Mapping) and isinstance(entry.payload.get("channel"), str):
                self._submit(entry.id, entry.payload["channel"])
                resumed += 1
        return resumed
