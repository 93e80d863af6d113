"""Our own calendar and travel webhooks (design 4.2, 4.6): verify, validate, refuse replays, nudge.

Order matters for "nothing stored on bad input": the signature and the whole body are checked before
anything is written; the replay guard is written next, and removed again when the nudge engine refuses
the event (unknown person or place), so a refused request leaves no row behind.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from bot.domain.events import CalendarEvent, TravelRequest
from bot.domain.nudges import Decision
from bot.domain.organisations import Organisation
from bot.ingest.shapes import ShapeError, parse_calendar_event, parse_travel_request
from bot.ingest.signatures import (
    ORGANISATION_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    verify,
)
from bot.nudges.service import EventResult, NudgeRefused, NudgeService
from bot.ports import Clock, Organisations

log = logging.getLogger(__name__)

Kind = Literal["calendar", "travel"]
# Where a refusal by the nudge engine points, per kind of webhook.
_REFUSAL_FIELDS: Mapping[tuple[Kind, str], str] = {
    ("calendar", "unknown_person"): "attendees",
    ("travel", "unknown_person"): "requester_email",
}


class IntakeError(ValueError):
    """A refused webhook request: ``code`` is stable, ``field`` names what is wrong (a field or a header)."""

    def __init__(self, code: str, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.code, self.field = code, field


class ReplayGuard(Protocol):
    async def first_time(self, signature: str, *, organisation_id: int, now: datetime) -> bool: ...

    async def forget(self, signature: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Accepted:
    organisation: str
    result: EventResult

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "accepted",
            "organisation": self.organisation,
            "unchanged": self.result.unchanged,
            "nudges": sum(1 for d in self.result.decisions if d.decision is Decision.SEND),
            "decisions": len(self.result.decisions),
            "withdrawn": self.result.withdrawn,
        }


class WebhookIntake:
    def __init__(
        self,
        *,
        organisations: Organisations,
        nudge_service: NudgeService,
        replays: ReplayGuard,
        clock: Clock,
        default_secret: Callable[[], str],
    ) -> None:
        self._organisations, self._nudges, self._replays = organisations, nudge_service, replays
        self._clock, self._default_secret = clock, default_secret

    async def receive(self, kind: Kind, headers: Mapping[str, str], body: bytes) -> Accepted:
        slug = headers.get(ORGANISATION_HEADER)
        organisation = await self._organisation(slug)
        if organisation is None:
            # The signature is checked before an unknown organisation is named, with the deployment's
            # secret or, without one, a secret nobody holds: an unsigned caller cannot probe for slugs.
            secret = self._default_secret() or secrets.token_hex(32)
        else:
            secret = str(organisation.settings.get("webhook_secret") or "") or self._default_secret()
            if not secret:
                raise IntakeError(
                    "not_configured", "webhooks are not configured for this organisation (no secret)"
                )
        now = self._clock.now()
        try:
            digest = verify(
                secret=secret,
                timestamp=headers.get(TIMESTAMP_HEADER),
                signature=headers.get(SIGNATURE_HEADER),
                body=body,
                now=now,
            )
        except SignatureError as error:
            raise IntakeError(error.code, str(error), field=error.field) from None
        if organisation is None:
            raise IntakeError(
                "unknown_organisation", f"no organisation {(slug or '')[:63]!r}", field=ORGANISATION_HEADER
            )
        event = self._parse(kind, body, organisation, now)
        if not await self._replays.first_time(digest, organisation_id=organisation.id, now=now):
            raise IntakeError("replayed", "this request was received before", field=SIGNATURE_HEADER)
        try:
            result = await self._deliver(organisation, event)
        except NudgeRefused as refused:
            await self._replays.forget(digest)
            field = _REFUSAL_FIELDS.get((kind, refused.code)) or str(refused).partition(":")[0]
            raise IntakeError(refused.code, str(refused), field=field) from None
        except BaseException:
            await self._replays.forget(digest)
            raise
        return Accepted(organisation.slug, result)

    async def _organisation(self, slug: str | None) -> Organisation | None:
        """The organisation named by the header (None when no such one), or the only one there is."""
        if slug:
            return await self._organisations.by_slug(slug.strip().lower())
        organisations = await self._organisations.all()
        if len(organisations) != 1:
            raise IntakeError(
                "missing_organisation",
                f"{ORGANISATION_HEADER} is required: there is not exactly one organisation",
                field=ORGANISATION_HEADER,
            )
        return organisations[0]

    def _parse(
        self, kind: Kind, body: bytes, organisation: Organisation, now: datetime
    ) -> CalendarEvent | TravelRequest:
        data = parse_json(body)
        try:
            event = parse_calendar_event(data) if kind == "calendar" else parse_travel_request(data)
        except ShapeError as error:
            raise IntakeError("invalid_field", str(error), field=error.field) from None
        if isinstance(event, CalendarEvent):
            if event.end <= now:
                raise IntakeError("in_past", "end: the event is over already", field="end")
        elif event.departure_date < now.astimezone(ZoneInfo(organisation.timezone)).date():
            raise IntakeError(
                "in_past", "departure_date: the departure is in the past", field="departure_date"
            )
        return event

    async def _deliver(self, organisation: Organisation, event: CalendarEvent | TravelRequest) -> EventResult:
        if isinstance(event, CalendarEvent):
            return await self._nudges.meeting_changed(organisation.id, event)
        return await self._nudges.travel_request_changed(organisation.id, event)


def parse_json(body: bytes) -> Any:
    """A JSON document, or IntakeError: not UTF-8, not JSON, nested too deep to read safely, or with a NUL
    character (no database stores one in text, and no genuine calendar or travel field holds one)."""
    if b"\\u0000" in body.lower():
        raise IntakeError("invalid_json", "the body contains a NUL character (\\u0000)")
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise IntakeError("invalid_json", "the body is not valid UTF-8 JSON") from None
