"""Microsoft Graph calendars: subscriptions per person, renewal, events in, delta catch-up.

Every path ends in ``NudgeService`` (idempotent by source id), so a notification processed twice, or a
delta round that sees an event a notification already brought, changes nothing.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Final

from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.ingest.cache import TtlCache
from bot.ingest.graph_events import (
    GRAPH_SELECT,
    SOURCE,
    GraphEvent,
    GraphEventError,
    read_graph_event,
    to_calendar_event,
)
from bot.ingest.ports import CalendarLink, CalendarLinks, EventRef, GoneError, GraphApi, NotFoundError
from bot.ingest.subscriptions import SubscribeReport, renew_links, subscribe_everyone
from bot.nudges.service import NudgeRefused, NudgeService
from bot.ports import Clock, Organisations, People

log = logging.getLogger(__name__)

# Outlook event subscriptions live at most 10,080 minutes; we ask for three days and renew a day ahead.
LIFETIME: Final = timedelta(days=3)
RENEW_BEFORE: Final = timedelta(days=1)
WINDOW_DAYS: Final = 60
GraphApis = Callable[[Organisation], GraphApi]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


class GraphSync:
    def __init__(
        self,
        *,
        apis: GraphApis,
        links: CalendarLinks,
        organisations: Organisations,
        people: People,
        nudge_service: NudgeService,
        clock: Clock,
        public_url: str,
    ) -> None:
        self._apis, self._links, self._organisations = apis, links, organisations
        self._people, self._nudges, self._clock = people, nudge_service, clock
        self._public_url = public_url.rstrip("/")
        # Hot-path lookups, per process and short-lived: a mailbox's event references (written only when
        # they change) and whether an address belongs to a person of the organisation.
        self._refs: TtlCache[tuple[str, str], tuple[str, bool]] = TtlCache(seconds=600, max_items=100_000)
        self._people_known: TtlCache[tuple[int, str], bool] = TtlCache(seconds=60, max_items=200_000)
        # Looked up for every event; its settings (the Graph credentials) change rarely.
        self._organisations_known: TtlCache[int, Organisation] = TtlCache(seconds=60, max_items=1000)

    # --- subscriptions -------------------------------------------------------------------------------

    async def subscribe_organisation(self, organisation: Organisation) -> SubscribeReport:
        """A subscription for every active person who has none yet, each followed by a first delta round."""
        self._apis(organisation)  # NotConfigured before anything is tried
        return await subscribe_everyone(
            organisation, provider=SOURCE, people=self._people, links=self._links, subscribe=self.subscribe
        )

    async def subscribe(self, organisation: Organisation, person: Person) -> CalendarLink:
        """One person's subscription, then a first delta round (which stores the delta link)."""
        link = await self._create(self._apis(organisation), organisation, person)
        await self.catch_up(link)
        return link

    async def _create(self, api: GraphApi, organisation: Organisation, person: Person) -> CalendarLink:
        now, secret = self._clock.now(), secrets.token_urlsafe(32)
        body = {
            "changeType": "created,updated,deleted",
            "notificationUrl": f"{self._public_url}/webhooks/graph",
            "lifecycleNotificationUrl": f"{self._public_url}/webhooks/graph/lifecycle",
            "resource": f"/users/{person.email}/events",
            "expirationDateTime": _iso(now + LIFETIME),
            "clientState": secret,
        }
        answer = await api.create_subscription(body)
        link = CalendarLink(
            provider=SOURCE,
            external_id=str(answer["id"]),
            organisation_id=organisation.id,
            person_id=person.id,
            mailbox=person.email,
            secret=secret,
            expires_at=_expiry(answer, now + LIFETIME),
        )
        await self._links.save(link, now=now)
        return link

    async def renew_expiring(self) -> int:
        """Renew what expires within a day; a subscription Graph no longer knows is created again."""
        before = self._clock.now() + RENEW_BEFORE
        return await renew_links(provider=SOURCE, links=self._links, before=before, renew=self.renew)

    async def renew(self, link: CalendarLink) -> None:
        _, api = await self._organisation_api(link)
        now = self._clock.now()
        try:
            answer = await api.renew_subscription(link.external_id, now + LIFETIME)
        except NotFoundError:
            await self.recreate(link)
            return
        renewed = replace(link, expires_at=_expiry(answer, now + LIFETIME))
        await self._links.save(renewed, now=now)

    async def recreate(self, link: CalendarLink) -> None:
        """After subscriptionRemoved (or a renewal Graph refuses with 404): a new one, then catch up."""
        organisation, api = await self._organisation_api(link)
        await self._links.remove(SOURCE, link.external_id)
        person = await self._people.by_id(link.person_id)
        if person is None or not person.active:
            return
        await self.catch_up(await self._create(api, organisation, person))

    # --- events --------------------------------------------------------------------------------------

    async def event_changed(self, link: CalendarLink, event_id: str) -> None:
        data = await self.fetch(link, event_id)
        if data is None:
            await self.event_deleted(link, event_id)
            return
        event = self.read(link, data)
        if event is not None:
            await self.prepare([(link, event)])
            await self.evaluate(link, event)

    async def fetch(self, link: CalendarLink, event_id: str) -> Mapping[str, Any] | None:
        """The event as the mailbox has it now (only the fields of GRAPH_SELECT); None when it is gone."""
        _, api = await self._organisation_api(link)
        try:
            return await api.get_event(link.mailbox, event_id, GRAPH_SELECT)
        except NotFoundError:
            return None

    async def fetch_many(
        self, wanted: Sequence[tuple[CalendarLink, str]]
    ) -> list[Mapping[str, Any] | Exception | None]:
        """Several events at once (JSON batches, per organisation's Graph client); for each, as ``fetch``
        answers: the event, or None when it is gone, or else the error that kept it."""
        results: list[Mapping[str, Any] | Exception | None] = [None] * len(wanted)
        by_organisation: defaultdict[int, list[int]] = defaultdict(list)
        for n, (link, _event_id) in enumerate(wanted):
            by_organisation[link.organisation_id].append(n)
        for indexes in by_organisation.values():
            try:
                _, api = await self._organisation_api(wanted[indexes[0]][0])
                answers: Sequence[Mapping[str, Any] | Exception] = await api.get_events(
                    [(wanted[n][0].mailbox, wanted[n][1]) for n in indexes], GRAPH_SELECT
                )
            except Exception as error:  # no client for the organisation: each of its events waits
                answers = [error] * len(indexes)
            for n, answer in zip(indexes, answers, strict=True):
                results[n] = None if isinstance(answer, NotFoundError) else answer
        return results

    async def event_deleted(self, link: CalendarLink, event_id: str) -> None:
        """Deleted from the organiser's mailbox: the meeting is cancelled. From an attendee's: ignored."""
        ref = await self._links.ref(SOURCE, link.mailbox, event_id)
        if ref is None or not ref.organiser:
            return
        await self._nudges.meeting_cancelled(ref.organisation_id, source=SOURCE, event_id=ref.event_key)

    def read(self, link: CalendarLink, data: Mapping[str, Any]) -> GraphEvent | None:
        """Our reading of a fetched event; None for one we cannot read or have no use for."""
        try:
            event = read_graph_event(data)
        except GraphEventError as error:
            log.warning("graph event in mailbox of person %s unreadable: %s", link.person_id, error.field)
            return None
        if event.kind == "seriesMaster" and event.end < self._clock.now():
            return None
        return event

    async def prepare(self, events: Sequence[tuple[CalendarLink, GraphEvent]]) -> None:
        """Before evaluating several events: their mailbox references saved in one statement (only those
        that changed), and which of their addresses are people of the organisation, looked up at once."""
        refs, emails_by_organisation = [], defaultdict[int, list[str]](list)
        for link, event in events:
            organiser = event.organiser == link.mailbox.lower() or not event.organiser
            ref = EventRef(
                link.organisation_id,
                link.person_id,
                SOURCE,
                link.mailbox,
                event.id,
                event.ical_uid,
                organiser,
            )
            if self._refs.get((ref.mailbox, ref.external_id)) != (ref.event_key, ref.organiser):
                refs.append(ref)
            emails_by_organisation[link.organisation_id] += [event.organiser, *event.attendees, link.mailbox]
        if refs:
            await self._links.save_refs(refs, now=self._clock.now())
            for ref in refs:
                self._refs.put((ref.mailbox, ref.external_id), (ref.event_key, ref.organiser))
        for organisation_id, emails in emails_by_organisation.items():
            await self.internal_emails(organisation_id, emails)

    async def evaluate(self, link: CalendarLink, event: GraphEvent) -> None:
        """One event through the nudge engine (after ``prepare``)."""
        organisation, api = await self._organisation_api(link)
        series = await self._series_key(api, organisation, link, event.series_master_id)
        if event.kind == "seriesMaster":
            series = event.ical_uid
        internal = await self.internal_emails(
            organisation.id, [event.organiser, *event.attendees, link.mailbox]
        )
        calendar_event = to_calendar_event(event, mailbox=link.mailbox, internal=internal, series_key=series)
        try:
            await self._nudges.meeting_changed(organisation.id, calendar_event)
        except NudgeRefused as refused:
            log.info("graph event not used: %s", refused.code)

    async def _process(self, link: CalendarLink, data: Mapping[str, Any]) -> None:
        event = self.read(link, data)
        if event is not None:
            await self.prepare([(link, event)])
            await self.evaluate(link, event)

    async def _remember_ref(self, ref: EventRef) -> None:
        key, value = (ref.mailbox, ref.external_id), (ref.event_key, ref.organiser)
        if self._refs.get(key) != value:
            await self._links.save_ref(ref, now=self._clock.now())
            self._refs.put(key, value)

    async def internal_emails(self, organisation_id: int, emails: Sequence[str]) -> set[str]:
        """The addresses that belong to people of the organisation (the others are external)."""
        wanted = {email.lower() for email in emails if email}
        unknown = [email for email in wanted if self._people_known.get((organisation_id, email)) is None]
        if unknown:
            found = await self._people.by_emails(organisation_id, unknown)
            for email in unknown:
                self._people_known.put((organisation_id, email), email in found)
        return {email for email in wanted if self._people_known.get((organisation_id, email))}

    async def _series_key(
        self, api: GraphApi, organisation: Organisation, link: CalendarLink, master_id: str | None
    ) -> str | None:
        """The series' shared key (the master's iCalUId), remembered so it is fetched once per mailbox."""
        if master_id is None:
            return None
        cached = self._refs.get((link.mailbox, master_id))
        if cached is not None:
            return cached[0]
        known = await self._links.ref(SOURCE, link.mailbox, master_id)
        if known is not None:
            return known.event_key
        try:
            master = await api.get_event(link.mailbox, master_id, ("iCalUId", "organizer"))
        except NotFoundError:
            return master_id
        key = str(master.get("iCalUId") or master_id)
        organiser = read_organiser(master) in ("", link.mailbox.lower())
        await self._remember_ref(
            EventRef(organisation.id, link.person_id, SOURCE, link.mailbox, master_id, key, organiser)
        )
        return key

    # --- delta ---------------------------------------------------------------------------------------

    async def catch_up(self, link: CalendarLink) -> int:
        """One delta round over the next WINDOW_DAYS; an expired delta token starts a full round."""
        organisation, api = await self._organisation_api(link)
        cursor = await self._links.cursor(SOURCE, link.person_id)
        try:
            return await self._delta_round(organisation, api, link, cursor)
        except GoneError:
            await self._links.save_cursor(
                SOURCE,
                organisation_id=organisation.id,
                person_id=link.person_id,
                cursor=None,
                now=self._clock.now(),
            )
            return await self._delta_round(organisation, api, link, None)

    async def _delta_round(
        self, organisation: Organisation, api: GraphApi, link: CalendarLink, cursor: str | None
    ) -> int:
        params: dict[str, str] | None = None
        if cursor is None:
            now = self._clock.now()
            cursor = f"/users/{link.mailbox}/calendarView/delta"
            params = {"startDateTime": _iso(now), "endDateTime": _iso(now + timedelta(days=WINDOW_DAYS))}
        seen = 0
        while True:
            page = await api.delta_page(cursor, params)
            params = None
            for item in page.get("value") or []:
                if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                    continue
                seen += 1
                if "@removed" in item:
                    await self.event_deleted(link, item["id"])
                else:
                    await self._process(link, item)
            if isinstance(page.get("@odata.nextLink"), str):
                cursor = page["@odata.nextLink"]
                continue
            delta = page.get("@odata.deltaLink")
            await self._links.save_cursor(
                SOURCE,
                organisation_id=organisation.id,
                person_id=link.person_id,
                cursor=delta if isinstance(delta, str) else None,
                now=self._clock.now(),
            )
            return seen

    async def _organisation_api(self, link: CalendarLink) -> tuple[Organisation, GraphApi]:
        organisation_id = link.organisation_id

        async def load() -> Organisation:
            found = await self._organisations.by_id(organisation_id)
            if found is None:
                raise LookupError(f"no organisation {organisation_id}")
            return found

        organisation = await self._organisations_known.get_or_load(organisation_id, load)
        return organisation, self._apis(organisation)


def read_organiser(data: Mapping[str, Any]) -> str:
    organiser = data.get("organizer")
    address = organiser.get("emailAddress") if isinstance(organiser, Mapping) else None
    return str(address.get("address") or "").lower() if isinstance(address, Mapping) else ""


def _expiry(answer: Mapping[str, Any], fallback: datetime) -> datetime:
    value = answer.get("expirationDateTime")
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return fallback
    return parsed if parsed.tzinfo else fallback
