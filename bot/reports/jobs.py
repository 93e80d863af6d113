"""Sending the summaries through the outbox: plain async functions the scheduler calls once per period.

Idempotent by the outbox key: ``digest:<unit>:<ISO week>`` (the unit is named by its manager's person
id) and ``summary:<person>:<YYYY-MM>``, unique per person and kind, so a rerun after a restart queues
nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain.nudges import PersonFigures
from bot.domain.organisations import Organisation
from bot.i18n import Locale, normalise_locale
from bot.messages import OutgoingMessage
from bot.ports import Clock
from bot.reports.chart import chart_id, chart_spec
from bot.reports.compose import monthly_message, unit_label, weekly_message
from bot.reports.figures import WeeklyFigures
from bot.reports.ports import ReportStore
from bot.reports.rows import Digest, Member
from bot.reports.tokens import sign
from bot.reports.weekly import weekly_report
from bot.reports.weeks import IsoWeek, Month, local_midnight
from bot.settings import Settings

log = logging.getLogger(__name__)


class ReportServices(Protocol):
    """What the jobs need; ``bot.app.Services`` provides it."""

    @property
    def reports(self) -> ReportStore: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def settings(self) -> Settings: ...


@dataclass(frozen=True, slots=True)
class SendResult:
    period: str
    recipients: int
    enqueued: int
    skipped: int = 0

    def summary(self) -> str:
        return f"{self.period}: {self.enqueued} queued of {self.recipients}, {self.skipped} without figures"


def digest_key(manager_id: int, week: IsoWeek) -> str:
    return f"digest:{manager_id}:{week}"


def monthly_key(person_id: int, month: Month) -> str:
    return f"summary:{person_id}:{month}"


def media_url(settings: Settings, token: str) -> str:
    """Absolute under PUBLIC_URL (Slack and Teams fetch it); relative for the local web chat."""
    return f"{settings.public_url.rstrip('/')}/media/{token}.png"


class Charts:
    """Chart specs for one run: one per shown unit and title (it names the unit in the reader's words)."""

    def __init__(self, organisation_id: int, key: bytes, settings: Settings) -> None:
        self._organisation_id, self._key, self._settings = organisation_id, key, settings
        self.pending: dict[str, dict[str, Any]] = {}
        self._urls: dict[tuple[int, str], str] = {}  # (shown unit, title) -> signed URL

    def url_for(self, figures: WeeklyFigures, locale: Locale) -> str | None:
        if figures.unit is None or figures.unit_manager_id is None or not figures.unit.has_data:
            return None
        label = unit_label(figures, locale)  # "your unit" for its manager, "the unit under ..." when folded
        cache_key = (figures.unit_manager_id, label)
        if cache_key not in self._urls:
            spec = chart_spec(figures.unit, label, locale)
            identifier = chart_id(self._organisation_id, spec)
            self.pending[identifier] = spec
            token = sign(identifier, self._organisation_id, self._key)
            self._urls[cache_key] = media_url(self._settings, token)
        return self._urls[cache_key]


async def compose_weekly(
    services: ReportServices,
    organisation: Organisation,
    week: IsoWeek,
    *,
    managers: Sequence[int] | None = None,
    locale: Locale | None = None,
) -> list[tuple[WeeklyFigures, Member, OutgoingMessage]]:
    """Every manager's summary as a message in their language (or ``locale``), its chart saved and signed."""
    report = await weekly_report(services.reports, organisation, week, managers=managers)
    key = await services.reports.signing_key(services.settings.webhook_secret.value)
    charts = Charts(organisation.id, key, services.settings)
    composed = []
    for figures in report.figures:
        member = report.members[figures.manager_id]
        language = locale or reader_locale(member, organisation)
        message = weekly_message(figures, language, chart_url=charts.url_for(figures, language))
        composed.append((figures, member, message))
    await services.reports.save_charts(
        organisation.id, list(charts.pending.items()), now=services.clock.now()
    )
    return composed


async def send_weekly_summaries(
    services: ReportServices, *, organisation: Organisation, week: IsoWeek
) -> SendResult:
    """Queue every manager's summary of ``week``; managers whose figures cannot be shown are skipped."""
    composed = await compose_weekly(services, organisation, week)
    digests = [
        Digest(
            figures.manager_id, digest_key(figures.manager_id, week), _channel(member, organisation), message
        )
        for figures, member, message in composed
        if not figures.hidden
    ]
    added = await services.reports.enqueue_digests(organisation.id, digests, now=services.clock.now())
    result = SendResult(str(week), len(composed), added, len(composed) - len(digests))
    log.info("weekly summaries for organisation %s: %s", organisation.id, result.summary())
    return result


async def monthly_figures(
    services: ReportServices, organisation: Organisation, person_id: int, month: Month
) -> PersonFigures:
    start = local_midnight(month.first, organisation.timezone)
    end = local_midnight(month.next().first, organisation.timezone)
    return await services.reports.person_figures(person_id, start=start, end=end)


async def send_monthly_summaries(
    services: ReportServices, *, organisation: Organisation, month: Month
) -> SendResult:
    """Queue the personal summary of ``month`` for everyone who opted in."""
    digests = []
    subscribers = await services.reports.monthly_subscribers(organisation.id)
    for member in subscribers:
        figures = await monthly_figures(services, organisation, member.id, month)
        message = monthly_message(figures, month, reader_locale(member, organisation))
        digests.append(
            Digest(member.id, monthly_key(member.id, month), _channel(member, organisation), message)
        )
    added = await services.reports.enqueue_digests(organisation.id, digests, now=services.clock.now())
    return SendResult(str(month), len(subscribers), added)


def _channel(member: Member, organisation: Organisation) -> str:
    """Reach people on the channel they last used, else the organisation's default (design 8)."""
    return member.channel or organisation.default_channel


def reader_locale(member: Member, organisation: Organisation) -> Locale:
    """The reader's own language setting, else the directory's, else the organisation's."""
    return normalise_locale(member.locale, normalise_locale(organisation.default_locale))
