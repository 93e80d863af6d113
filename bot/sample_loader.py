"""Puts the sample organisation into a database and replays its week through the NudgeService."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING

from bot.domain.organisations import Organisation
from bot.domain.people import Permission
from bot.ingest.shapes import parse_calendar_event, parse_travel_request
from bot.nudges.service import EventResult, NudgeRefused
from bot.policy import PolicyDocument, import_paths
from bot.sample import SampleWeek, load_sample_organisation
from storage.people import PersonRecord

if TYPE_CHECKING:  # bot.app imports this module to load the sample on first start
    from bot.app import Services

log = logging.getLogger(__name__)


async def load_sample(services: Services) -> tuple[Organisation, bool]:
    """The sample organisation, created on first call; returns it and whether it was created now."""
    sample = load_sample_organisation()
    existing = await services.organisations.by_slug(sample.slug)
    if existing is not None:
        return existing, False
    organisation = await services.organisations.create(slug=sample.slug, name=sample.name)
    organisation = await services.organisations.update_settings(organisation.id, dict(sample.settings))
    office_ids = {}
    for office in sample.offices:
        place = services.gazetteer.resolve(office.place)
        saved = await services.offices.upsert(
            organisation.id,
            name=office.name,
            place_key=place.key,
            place_name=place.name,
            lat=place.lat,
            lon=place.lon,
        )
        office_ids[office.name] = saved.id
    records = [
        PersonRecord(
            email=p.email,
            name=p.name,
            office_id=office_ids[p.office],
            department=p.department,
            manager_email=p.manager_email,
            job_title=p.job_title,
            permissions=frozenset(Permission(x) for x in p.permissions),
            fte=Decimal(p.fte),
            locale=p.locale,
        )
        for p in sample.people
    ]
    await services.people.upsert_many(organisation.id, records)
    await services.library.import_documents(organisation, sample_policy(), now=services.clock.now())
    log.info("sample organisation %s loaded with %d people", organisation.slug, len(records))
    return organisation, True


def sample_policy() -> list[PolicyDocument]:
    """The sample agency's meeting and travel policy, Swedish (the master) and English."""
    return import_paths([resources.files("bot.sample") / "policy"])  # type: ignore[list-item]


@dataclass
class ReplayReport:
    events: list[tuple[str, EventResult]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


async def replay_week(
    services: Services, organisation: Organisation, week: SampleWeek, *, updates: bool = True
) -> ReplayReport:
    """Every event and request of the week, then (optionally) the updates, in order."""
    report = ReplayReport()
    service = services.nudge_service
    batches = [(week.calendar_events, week.travel_requests)]
    if updates:
        batches.append((week.calendar_updates, week.request_updates))
    for events, requests in batches:
        for payload in events:
            await _one(
                report,
                payload["event_id"],
                service.meeting_changed(organisation.id, parse_calendar_event(payload)),
            )
        for payload in requests:
            await _one(
                report,
                payload["request_id"],
                service.travel_request_changed(organisation.id, parse_travel_request(payload)),
            )
    return report


async def _one(report: ReplayReport, label: str, work: Awaitable[EventResult]) -> None:
    try:
        result = await work
    except NudgeRefused as refused:
        report.refused.append((label, str(refused)))
        return
    report.events.append((label, result))


def next_monday(today: date) -> date:
    return date.fromordinal(today.toordinal() + (7 - today.weekday()))
