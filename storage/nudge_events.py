"""The event-to-outbox path of the nudge engine in a few statements per event (``EventStore``).

Everything here runs inside the caller's unit of work. A new meeting with its decisions and queued
nudges takes five statements on PostgreSQL: the context, the locks, the meeting with its attendees,
the candidates' states, and the nudges with their outbox rows and preferences.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.domain.nudges import NudgeStatus, OutcomeChoice
from bot.domain.organisations import Office, Organisation
from bot.domain.people import Channel, Permission, Person
from bot.domain.records import MeetingWrite, NudgeWrite, Preferences
from bot.memo import by_identity
from bot.nudges.policy_types import PastNudge
from bot.nudges.ports import EventContext, NewNudge, NudgeState, Queued, SavedMeeting
from storage import nudge_sql as sql
from storage.database import Database
from storage.direct import Direct, json_value, utc

_DELIVERED = ("sending", "sent")
_SHOWN = (NudgeStatus.SHOWN.value, NudgeStatus.ANSWERED.value)


class SqlNudgeEvents:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def _direct(self) -> Direct:
        return await Direct.of(self._db.unit_session())

    async def context(self, organisation_id: int, emails: Sequence[str]) -> EventContext:
        direct = await self._direct()
        wanted = sorted({email.strip().lower() for email in emails})
        query = sql.CONTEXT_PG if direct.is_postgres else sql.CONTEXT_SQLITE
        rows = await direct.rows(query, organisation_id, wanted)
        if not rows:
            return EventContext(None)
        people, offices = {}, {}
        for row in rows:
            if row[7] is not None:
                person = _person(organisation_id, row[7:20])
                people[person.email] = person
            if row[20] is not None:
                offices[row[20]] = _office(organisation_id, row[20:26])
        return EventContext(_organisation(rows[0][:7]), people, offices)

    async def lock(self, keys: Sequence[str]) -> None:
        direct = await self._direct()
        # SQLite: the unit of work holds the single writer lock already, which covers every key.
        if direct.is_postgres and keys:
            await direct.rows(sql.LOCK_PG, sorted(set(keys)))

    async def save_meetings(
        self, meetings: Sequence[tuple[MeetingWrite, str]], *, now: datetime
    ) -> list[SavedMeeting | None]:
        if not meetings:
            return []
        direct = await self._direct()
        if not direct.is_postgres:
            return [await _save_meeting_sqlite(direct, m, fingerprint, now) for m, fingerprint in meetings]
        organisation_id = meetings[0][0].organisation_id
        if any(m.organisation_id != organisation_id for m, _ in meetings):
            raise ValueError("one batch of meetings belongs to one organisation")
        inputs = _columns([(*_meeting_values(m)[1:13], fingerprint) for m, fingerprint in meetings], 12)
        wanted = _columns(
            [(m.source, m.event_id, person) for m, _ in meetings for person in sorted(set(m.attendee_ids))], 3
        )
        rows = await direct.rows(sql.SAVE_MEETINGS_PG, organisation_id, *inputs, now, *wanted)
        saved = {(row[0], row[1]): SavedMeeting(row[2], bool(row[3])) for row in rows}
        return [saved.get((m.source, m.event_id)) for m, _ in meetings]

    async def states(
        self, organisation_id: int, pairs: Sequence[tuple[int, str]], *, since: datetime
    ) -> dict[tuple[int, str], NudgeState]:
        if not pairs:
            return {}
        direct = await self._direct()
        if direct.is_postgres:
            people, subjects = _columns(pairs, 2)
            rows = await direct.rows(sql.STATES_PG, people, subjects, since, organisation_id)
        else:
            rows = await direct.rows(
                sql.STATES_SQLITE, [list(pair) for pair in pairs], None, since, organisation_id
            )
        return {(int(row[0]), row[13]): _state(row) for row in rows}

    async def record_new(
        self,
        organisation_id: int,
        nudges: Sequence[NewNudge],
        messages: Sequence[Queued],
        preferences: Sequence[Preferences],
        *,
        now: datetime,
    ) -> list[int]:
        if not nudges and not messages and not preferences:
            return []
        direct = await self._direct()
        if not direct.is_postgres:
            return await _record_new_sqlite(direct, organisation_id, nudges, messages, preferences, now)
        ids = [new.reserved_id or 0 for new in nudges]
        if not all(ids):
            raise ValueError("on PostgreSQL a new nudge's id is reserved by states()")
        composed = [q for new, i in zip(nudges, ids, strict=True) for q in new.messages(i)]
        queued = _columns([_queued_values(q) for q in [*composed, *messages]], 6)
        preferred = _columns([_preference_values(p) for p in preferences], 8)
        decided = _columns([_nudge_values(n.nudge, n.status, now) for n in nudges], 15)
        arguments = [organisation_id, *queued, *preferred[:7], now, preferred[7], ids, *decided]
        await direct.rows(sql.RECORD_PG, *arguments)
        return ids


def _meeting_values(meeting: MeetingWrite) -> tuple[Any, ...]:
    return (
        meeting.organisation_id,
        meeting.source,
        meeting.event_id,
        meeting.series_id,
        meeting.organiser_id,
        meeting.start,
        meeting.end,
        meeting.place_key,
        meeting.place_name,
        meeting.online,
        meeting.external_attendees,
        meeting.status,
    )


async def _save_meeting_sqlite(
    direct: Direct, meeting: MeetingWrite, fingerprint: str, now: datetime
) -> SavedMeeting | None:
    values = (*_meeting_values(meeting), fingerprint, now)
    found = await direct.rows(sql.MEETING_SQLITE, *values[:3])
    if found and found[0][1] == fingerprint:
        return None
    meeting_id = (await direct.rows(sql.SAVE_MEETING_SQLITE, *values))[0][0]
    attendees = sorted(set(meeting.attendee_ids))
    if found:
        await direct.rows(sql.ATTENDEES_GONE_SQLITE, meeting_id, attendees)
    await direct.rows(sql.ATTENDEES_ADDED_SQLITE, meeting_id, attendees)
    return SavedMeeting(meeting_id, bool(found))


async def _record_new_sqlite(
    direct: Direct,
    organisation_id: int,
    nudges: Sequence[NewNudge],
    messages: Sequence[Queued],
    preferences: Sequence[Preferences],
    now: datetime,
) -> list[int]:
    ids: list[int] = []
    queued: list[Queued] = []
    for new in nudges:
        values = _nudge_values(new.nudge, new.status, now)
        nudge_id = (await direct.rows(sql.INSERT_NUDGE_SQLITE, *values))[0][0]
        ids.append(nudge_id)
        queued += new.messages(nudge_id)
    for values in [_queued_values(q) for q in [*queued, *messages]]:
        await direct.rows(sql.ENQUEUE_SQLITE, organisation_id, *values)
    for person_id, *rest in [_preference_values(p) for p in preferences]:
        await direct.rows(sql.SAVE_PREFERENCES_SQLITE, person_id, organisation_id, *rest, now)
    return ids


def _queued_values(queued: Queued) -> tuple[Any, ...]:
    delivery = queued.delivery
    payload = json.dumps(queued.message.to_dict())
    return queued.person_id, queued.key, queued.kind.value, delivery.channel, payload, delivery.due_at


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


def _nudge_values(nudge: NudgeWrite, status: NudgeStatus, now: datetime) -> tuple[Any, ...]:
    return (
        nudge.organisation_id,
        nudge.person_id,
        nudge.subject,
        nudge.trigger.value,
        nudge.meeting_id,
        nudge.trip_id,
        nudge.decision.value,
        nudge.reason.value,
        nudge.variant,
        status.value,
        nudge.mode,
        nudge.destination_name,
        nudge.trip_date,
        _estimate_text(nudge.estimate),
        now,
    )


# The engine hands out one shared dictionary per estimate (bot.savings.result.as_dict), and encoding it
# was a tenth of the CPU per event: its text is made once per dictionary.
_estimate_text: Callable[[Mapping[str, Any]], str] = by_identity(json.dumps)


def _preference_values(preferences: Preferences) -> tuple[Any, ...]:
    return (
        preferences.person_id,
        preferences.opted_out,
        preferences.snoozed_until,
        preferences.paused_until,
        preferences.pause_asked,
        preferences.variant,
        preferences.privacy_notice_seen,
        preferences.locale,
    )


def _state(row: Sequence[Any]) -> NudgeState:
    person_id = row[0]
    preferences = Preferences(person_id)
    if row[1]:
        preferences = Preferences(
            person_id, bool(row[2]), utc(row[3]), utc(row[4]), bool(row[5]), row[6], bool(row[7]), row[8]
        )
    history = sorted(
        (
            PastNudge(_moment(moment), OutcomeChoice(choice) if choice else None)
            for moment, choice in json_value(row[14]) or ()
        ),
        key=lambda nudge: nudge.sent_at,
    )
    delivered = row[11] in _DELIVERED or row[10] in _SHOWN
    return NudgeState(preferences, tuple(history), row[9], row[9] is not None and delivered, row[12])


def _moment(value: str) -> datetime:
    moment = utc(value)
    assert moment is not None
    return moment


def _organisation(row: Sequence[Any]) -> Organisation:
    return Organisation(
        id=row[0],
        slug=row[1],
        name=row[2],
        timezone=row[3],
        default_locale=row[4],
        default_channel=row[5],
        settings=dict(json_value(row[6]) or {}),
    )


def _person(organisation_id: int, row: Sequence[Any]) -> Person:
    """The same Person as ``storage.people.to_person`` gives, from plain column values."""
    fte = row[8] if isinstance(row[8], Decimal) else Decimal(f"{float(row[8]):.2f}")
    return Person(
        id=row[0],
        organisation_id=organisation_id,
        email=row[1],
        name=row[2],
        office_id=row[3],
        department=row[4],
        manager_id=row[5],
        job_title=row[6],
        permissions=frozenset(Permission(p) for p in row[7].split(",") if p),
        fte=fte,
        locale=row[9],
        timezone=row[10],
        active=bool(row[11]),
        last_channel=Channel(row[12]) if row[12] else None,
    )


def _office(organisation_id: int, row: Sequence[Any]) -> Office:
    return Office(row[0], organisation_id, row[1], row[2], row[3], float(row[4]), float(row[5]))
