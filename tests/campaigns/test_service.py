"""Campaign use cases on SQLite and PostgreSQL: roles, bad input, preview, idempotent sending, answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import Services
from bot.campaigns.model import Audience, Buttons, CampaignDraft, CampaignRefused, CampaignStatus, Wording
from bot.campaigns.service import CampaignService
from bot.domain.delivery import OutboxKind, OutboxState
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.messages import ActionId
from storage.campaign_figures import settle_deliveries
from storage.campaigns import SqlCampaigns
from storage.privacy import erase_person
from storage.retention import apply_retention
from storage.tables import OutboxRow
from storage.tables_campaigns import CampaignRecipientRow, CampaignRow
from tests.campaigns.conftest import ADMIN, PartlyReachable
from tests.fakes.clock import FakeClock

TEXT = Wording("Testa ett digitalt möte nästa gång: du får tid över.", "Try a digital meeting next time.")


def _draft(**changes: Any) -> CampaignDraft:
    values: dict[str, Any] = {
        "title": "Resfria möten-veckan",
        "wording": TEXT,
        "audience": Audience(departments=("Planering",)),
        "buttons": Buttons(im_in=True),
    }
    return CampaignDraft(**(values | changes))


async def _count(services: Services, table: Any, *where: Any) -> int:
    async with services.database.session() as session:
        return int(
            (await session.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
        )


async def _deliver_all(services: Services) -> None:
    assert services.dispatcher is not None
    while await services.dispatcher.run_once():
        pass


async def test_people_without_the_coordinator_permission_may_not_create_or_send(
    services: Services, campaigns: CampaignService, org: Organisation, ebba: Person
) -> None:
    someone = next(p for p in await services.people.list(org.id) if not p.can_coordinate)
    created = await campaigns.create(org, ebba, _draft())

    with pytest.raises(CampaignRefused) as on_create:
        await campaigns.create(org, someone, _draft())
    with pytest.raises(CampaignRefused) as on_send:
        await campaigns.send(org, someone, created.campaign.id)

    assert on_create.value.code == on_send.value.code == "not_coordinator"
    assert await _count(services, CampaignRow) == 1 and await _count(services, CampaignRecipientRow) == 0


async def test_an_admin_may_run_a_campaign(
    services: Services, campaigns: CampaignService, org: Organisation
) -> None:
    admin = await services.people.by_email(org.id, ADMIN)
    assert admin is not None
    created = await campaigns.create(org, admin, _draft())
    assert (await campaigns.send(org, admin, created.campaign.id)).recipients == 20


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"audience": Audience()}, "no_audience"),
        ({"audience": Audience(departments=("Ledning",), offices=("Luleå",))}, "audience_matches_nobody"),
        ({"audience": Audience(departments=("Planerng",))}, "unknown_department"),
        ({"audience": Audience(offices=("Kiruna",))}, "unknown_office"),
        ({"audience": Audience(roles=("Astronaut",))}, "unknown_role"),
        ({"wording": Wording("  ", "Hello")}, "empty_text"),
        ({"wording": Wording("Hej", "")}, "empty_text"),
        ({"title": " "}, "empty_title"),
        ({"send_at": datetime(2026, 1, 11, 9, 0, tzinfo=UTC)}, "send_at_past"),
        ({"buttons": Buttons(), "reminder_days": 3}, "reminder_without_buttons"),
        ({"buttons": Buttons(link="javascript:alert(1)")}, "bad_link"),
        ({"variant_b": Wording("Hej", " ")}, "empty_text"),
    ],
)
async def test_bad_input_is_refused_with_its_reason_and_nothing_is_stored(
    services: Services,
    campaigns: CampaignService,
    org: Organisation,
    ebba: Person,
    changes: dict[str, Any],
    code: str,
) -> None:
    with pytest.raises(CampaignRefused) as refused:
        await campaigns.create(org, ebba, _draft(**changes))

    assert refused.value.code == code
    assert await _count(services, CampaignRow) == 0 and await _count(services, OutboxRow) == 0


async def test_creating_queues_a_preview_to_the_coordinator_only(
    services: Services, campaigns: CampaignService, org: Organisation, ebba: Person
) -> None:
    created = await campaigns.create(
        org, ebba, _draft(variant_b=Wording("Spara tid: mötas digitalt.", "Save time."))
    )
    await _deliver_all(services)

    messenger = services.messengers["webchat"]
    assert isinstance(messenger, PartlyReachable)
    [preview] = messenger.sent
    assert preview.recipient.person_id == ebba.id and preview.key == f"campaign:{created.campaign.id}:preview"
    assert "Förhandsvisning" in preview.message.text and "Spara tid" in preview.message.text
    assert [a.id for a in preview.message.actions] == [ActionId.CAMPAIGN_SEND]
    assert sum(created.counts.values()) == 20 and all(created.counts.values())
    assert created.campaign.status is CampaignStatus.DRAFT


async def test_sending_twice_queues_every_recipient_once(
    services: Services, campaigns: CampaignService, org: Organisation, ebba: Person
) -> None:
    created = await campaigns.create(org, ebba, _draft(reminder_days=2))
    first = await campaigns.send(org, ebba, created.campaign.id)
    again = await campaigns.send(org, ebba, created.campaign.id)

    key = f"campaign:{created.campaign.id}:A"
    assert (first.recipients, first.queued, again.queued, again.already) == (20, 20, 0, True)
    assert (
        await _count(services, OutboxRow, OutboxRow.key == key, OutboxRow.kind == OutboxKind.CAMPAIGN) == 20
    )
    assert await _count(services, OutboxRow, OutboxRow.key == f"{key}:reminder") == 20
    assert (await campaigns.campaign(org, created.campaign.id)).recipients == 20


async def test_a_send_interrupted_half_way_is_finished_by_sending_again(
    services: Services, campaigns: CampaignService, org: Organisation, ebba: Person
) -> None:
    created = await campaigns.create(org, ebba, _draft(audience=Audience(everyone=True)))
    batches = 0

    def crash_after_two_batches() -> None:
        nonlocal batches
        batches += 1
        if batches == 2:
            raise RuntimeError("killed")

    interrupted = CampaignService(
        store=SqlCampaigns(services.database),
        people=services.people,
        offices=services.offices,
        clock=services.clock,
        on_enqueued=crash_after_two_batches,
        batch=25,
    )
    with pytest.raises(RuntimeError):
        await interrupted.send(org, ebba, created.campaign.id)
    assert await _count(services, CampaignRecipientRow) == 50
    assert (await campaigns.campaign(org, created.campaign.id)).status is CampaignStatus.SENDING

    finished = await campaigns.send(org, ebba, created.campaign.id)

    assert (finished.recipients, finished.queued) == (61, 11)
    assert await _count(services, OutboxRow, OutboxRow.key == f"campaign:{created.campaign.id}:A") == 61


async def test_after_working_hours_recipients_get_it_the_next_working_morning(
    services: Services, campaigns: CampaignService, org: Organisation, ebba: Person, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 1, 16, 16, 45, tzinfo=UTC))  # Friday 17:45 in Stockholm
    created = await campaigns.create(org, ebba, _draft())
    sent = await campaigns.send(org, ebba, created.campaign.id)
    async with services.database.session() as session:
        due = set(
            (
                await session.execute(select(OutboxRow.next_attempt_at).where(OutboxRow.key.like("%:A")))
            ).scalars()
        )

    assert due == {datetime(2026, 1, 19, 7, 0, tzinfo=UTC)} and sent.first_due == min(due)


async def test_figures_add_up_at_the_fake_platform(
    services: Services, campaigns: CampaignService, org: Organisation, ebba: Person
) -> None:
    people = list(await services.people.list(org.id))
    messenger = services.messengers["webchat"]
    assert isinstance(messenger, PartlyReachable)
    messenger.unreachable = {people[3].id: "blocked", people[7].id: "blocked", people[9].id: "uninstalled"}
    draft = _draft(
        audience=Audience(everyone=True),
        buttons=Buttons(im_in=True, survey=Wording("Bra?", "Good?")),
        variant_b=Wording("Mötas digitalt sparar restid.", "Meeting digitally saves travel time."),
    )
    created = await campaigns.create(org, ebba, draft)
    await campaigns.send(org, ebba, created.campaign.id)
    assert services.dispatcher is not None
    await services.dispatcher.run_once()  # a batch of 50: the preview and 49 recipients
    for n, person in enumerate(people[10:22]):
        value = f"{created.campaign.id}:survey:{n % 5 + 1}" if n % 2 else f"{created.campaign.id}:in"
        assert (await campaigns.respond(person, value)).outcome == "recorded"

    figures = await campaigns.figures(await campaigns.campaign(org, created.campaign.id))

    total = figures.total
    assert total.targeted == 61 == sum(v.targeted for v in figures.by_variant)
    assert (total.delivered, total.unreachable, total.pending) == (46, 3, 12)
    for row in (*figures.by_variant, total):
        assert row.targeted == row.delivered + row.unreachable + row.pending
    assert dict(total.reasons) == {"blocked": 2, "uninstalled": 1}
    assert (total.clicked, total.responded, total.im_in, total.survey_answers) == (12, 12, 6, 6)
    assert sum(v.responded for v in figures.by_variant) == 12

    await _deliver_all(services)
    after = (await campaigns.figures(await campaigns.campaign(org, created.campaign.id))).total
    assert (after.delivered, after.unreachable, after.pending) == (58, 3, 0)


async def test_an_answer_counts_once_the_latest_survey_answer_wins_and_the_reminder_is_withdrawn(
    services: Services, campaigns: CampaignService, org: Organisation, ebba: Person
) -> None:
    draft = _draft(buttons=Buttons(im_in=True, survey=Wording("Bra?", "Good?")), reminder_days=2)
    campaign = (await campaigns.create(org, ebba, draft)).campaign
    await campaigns.send(org, ebba, campaign.id)
    [first, second, *_] = [p for p in await services.people.list(org.id) if p.department == "Planering"]

    outcomes = [
        (await campaigns.respond(first, f"{campaign.id}:{answer}")).outcome
        for answer in ("in", "in", "survey:2", "survey:5")
    ]

    assert outcomes == ["recorded", "already", "recorded", "recorded"]
    figures = (await campaigns.figures(campaign)).total
    assert (figures.responded, figures.im_in, figures.survey_answers, figures.survey[4]) == (1, 1, 1, 1)
    async with services.database.session() as session:
        query = select(OutboxRow.person_id, OutboxRow.state).where(OutboxRow.key.like("%:reminder"))
        states = dict((await session.execute(query)).all())
    assert states[first.id] == OutboxState.WITHDRAWN.value and states[second.id] == OutboxState.QUEUED.value


async def test_only_recipients_can_answer(
    services: Services, campaigns: CampaignService, org: Organisation, ebba: Person
) -> None:
    campaign = (await campaigns.create(org, ebba, _draft())).campaign
    await campaigns.send(org, ebba, campaign.id)
    outsider = next(p for p in await services.people.list(org.id) if p.department != "Planering")

    assert (await campaigns.respond(outsider, f"{campaign.id}:in")).outcome == "not_yours"
    assert (await campaigns.respond(outsider, "999:in")).outcome == "expired"
    assert (await campaigns.respond(outsider, f"{campaign.id}:rocket")).outcome == "expired"
    assert (await campaigns.figures(campaign)).total.clicked == 0


async def test_in_a_campaign_with_only_a_link_the_click_is_the_response(
    services: Services, campaigns: CampaignService, org: Organisation, ebba: Person
) -> None:
    campaign = (
        await campaigns.create(org, ebba, _draft(buttons=Buttons(link="https://www.remm.se/")))
    ).campaign
    await campaigns.send(org, ebba, campaign.id)
    planner = next(p for p in await services.people.list(org.id) if p.department == "Planering")

    await campaigns.respond(planner, f"{campaign.id}:link")
    await campaigns.respond(planner, f"{campaign.id}:link")

    figures = (await campaigns.figures(campaign)).total
    assert (figures.clicked, figures.link_clicks, figures.responded) == (1, 1, 1)


async def test_a_send_time_ahead_is_kept(
    services: Services, campaigns: CampaignService, org: Organisation, ebba: Person, clock: FakeClock
) -> None:
    at = clock.now() + timedelta(days=1)
    campaign = (await campaigns.create(org, ebba, _draft(send_at=at))).campaign
    await campaigns.send(org, ebba, campaign.id)
    await _deliver_all(services)

    figures = (await campaigns.figures(campaign)).total
    assert (figures.targeted, figures.delivered, figures.pending) == (20, 0, 20)


async def test_figures_survive_retention_and_erasure(
    services: Services, campaigns: CampaignService, org: Organisation, ebba: Person, clock: FakeClock
) -> None:
    messenger = services.messengers["webchat"]
    assert isinstance(messenger, PartlyReachable)
    planners = [p for p in await services.people.list(org.id) if p.department == "Planering"]
    messenger.unreachable = {planners[0].id: "blocked"}
    campaign = (await campaigns.create(org, ebba, _draft(reminder_days=1))).campaign
    await campaigns.send(org, ebba, campaign.id)
    await _deliver_all(services)
    clock.advance(days=3)
    await _deliver_all(services)  # the reminders
    before = (await campaigns.figures(campaign)).total

    assert await settle_deliveries(services.database) == 0  # reading the figures settled them already
    await apply_retention(services.database, before=clock.now() + timedelta(days=1), now=clock.now())
    await erase_person(services.database, planners[1].id, now=clock.now())
    after = (await campaigns.figures(campaign)).total

    assert await _count(services, OutboxRow) == 0
    assert (before.delivered, before.unreachable, before.reminded) == (19, 1, 19)
    assert (after.targeted, after.delivered, after.unreachable, after.reminded) == (20, 19, 1, 19)
