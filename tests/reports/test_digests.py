"""Sending the summaries through the outbox: once per manager and week, also after a restart."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.app import Services, build_services
from bot.domain.delivery import OutboxKind
from bot.domain.nudges import OutcomeChoice
from bot.domain.organisations import Organisation
from bot.reports.jobs import send_monthly_summaries, send_weekly_summaries
from bot.reports.weeks import IsoWeek, Month
from storage.tables import OutboxRow
from tests.fakes.clock import FakeClock
from tests.fakes.messenger import FakeMessenger
from tests.reports.conftest import IN_WEEK_10, JONAS, KARIN, Builder

WEEK_10 = IsoWeek(2026, 10)
SAMPLE_MANAGERS = 12  # everyone in the sample organisation with reports


async def _digests(services: Services) -> list[OutboxRow]:
    query = select(OutboxRow).where(OutboxRow.kind == OutboxKind.DIGEST.value).order_by(OutboxRow.id)
    async with services.database.session() as session:
        return list((await session.execute(query)).scalars())


async def test_every_manager_gets_one_summary_per_week_even_when_run_again_or_after_a_restart(
    services: Services, sample_org: Organisation, build: Builder, clock: FakeClock
) -> None:
    await build.trip(JONAS, IN_WEEK_10.date())

    first = await send_weekly_summaries(services, organisation=sample_org, week=WEEK_10)
    again = await send_weekly_summaries(services, organisation=sample_org, week=WEEK_10)
    restarted = build_services(services.settings, services.database, clock=clock)
    after_restart = await send_weekly_summaries(restarted, organisation=sample_org, week=WEEK_10)

    rows = await _digests(services)
    karin = await build.person(KARIN)
    assert (first.enqueued, again.enqueued, after_restart.enqueued) == (SAMPLE_MANAGERS, 0, 0)
    assert len(rows) == SAMPLE_MANAGERS == len({row.person_id for row in rows})
    assert f"digest:{karin.id}:2026-W10" in {row.key for row in rows}
    assert {row.channel for row in rows} == {"webchat"}


async def test_two_runs_at_once_queue_each_summary_once(services: Services, sample_org: Organisation) -> None:
    twin = build_services(services.settings, services.database, clock=services.clock)  # type: ignore[arg-type]

    results = await asyncio.gather(
        send_weekly_summaries(services, organisation=sample_org, week=WEEK_10),
        send_weekly_summaries(twin, organisation=sample_org, week=WEEK_10),
    )

    assert sum(result.enqueued for result in results) == SAMPLE_MANAGERS
    assert len(await _digests(services)) == SAMPLE_MANAGERS


async def test_queued_summaries_are_delivered_in_the_managers_language(
    services: Services, sample_org: Organisation
) -> None:
    messenger = FakeMessenger()
    services.messengers["webchat"] = messenger
    await send_weekly_summaries(services, organisation=sample_org, week=WEEK_10)

    dispatcher = services.start_dispatcher()
    while await dispatcher.run_once():
        pass

    assert len(messenger.sent) == SAMPLE_MANAGERS
    assert all(sent.key.startswith("digest:") for sent in messenger.sent)
    assert all(sent.message.text.startswith("**Veckosammanfattning 2026-W10") for sent in messenger.sent)


async def test_the_monthly_summary_goes_only_to_people_who_opted_in(
    services: Services, sample_org: Organisation, build: Builder, clock: FakeClock
) -> None:
    jonas = await build.person(JONAS)
    clock.set(IN_WEEK_10)
    nudge = await build.nudge(JONAS, IN_WEEK_10.date())
    await build.choose(JONAS, nudge, OutcomeChoice.DIGITAL, hours=3.0, co2e=50.0, sek="900")

    nobody = await send_monthly_summaries(services, organisation=sample_org, month=Month(2026, 3))
    await services.reports.set_monthly_summary(jonas.id, True, now=clock.now())
    sent = await send_monthly_summaries(services, organisation=sample_org, month=Month(2026, 3))
    again = await send_monthly_summaries(services, organisation=sample_org, month=Month(2026, 3))
    await services.reports.set_monthly_summary(jonas.id, False, now=clock.now())

    [row] = await _digests(services)
    assert (nobody.recipients, sent.enqueued, again.enqueued) == (0, 1, 0)
    assert row.person_id == jonas.id and row.key == f"summary:{jonas.id}:2026-03"
    assert row.payload["text"] == "**Din månad med remm-bot: mars 2026**"
    facts = {fact["label"]: fact["value"] for fact in row.payload["facts"]}
    assert facts["Tips"] == "1" and facts["Sparad restid"] == "3 h"
    assert not await services.reports.monthly_summary(jonas.id)
