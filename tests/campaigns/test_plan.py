"""Planning: delivery inside each recipient's working hours on their own clock, and stable A/B variants."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.campaigns.model import Audience, Buttons, Campaign, CampaignStatus, Variant, Wording
from bot.campaigns.plan import Planned, assign_variant, plan
from bot.domain.people import Channel, Person
from tests.campaigns.people import ORGANISATION, person

FRIDAY_AFTERNOON = datetime(2026, 1, 16, 15, 30, tzinfo=UTC)  # 16:30 in Stockholm, 10:30 in New York


def _plan(campaign: Campaign, people: list[Person], *, now: datetime = FRIDAY_AFTERNOON) -> list[Planned]:
    return plan(campaign, people, organisation=ORGANISATION, now=now, locales={})


def _campaign(**changes: object) -> Campaign:
    campaign = Campaign(
        id=7,
        organisation_id=1,
        title="Resfria möten-veckan",
        wording=Wording("Hej!", "Hello!"),
        audience=Audience(everyone=True),
        buttons=Buttons(im_in=True),
        status=CampaignStatus.DRAFT,
        created_at=FRIDAY_AFTERNOON,
    )
    return replace(campaign, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("timezone", "due"),
    [
        ("Europe/Stockholm", FRIDAY_AFTERNOON),  # inside working hours: at once
        ("America/New_York", FRIDAY_AFTERNOON),
        ("Asia/Tokyo", datetime(2026, 1, 18, 23, 0, tzinfo=UTC)),  # Saturday 00:30 there: Monday 08:00 JST
        ("Europe/London", FRIDAY_AFTERNOON),  # 15:30 there
    ],
)
def test_each_recipient_gets_it_inside_their_own_working_hours(timezone: str, due: datetime) -> None:
    [planned] = _plan(_campaign(), [person(1, timezone=timezone)])
    assert planned.due_at == due


def test_after_working_hours_it_waits_for_the_next_working_morning() -> None:
    evening = datetime(2026, 1, 16, 16, 30, tzinfo=UTC)  # 17:30 in Stockholm on a Friday
    [planned] = _plan(_campaign(), [person(1)], now=evening)
    assert planned.due_at == datetime(2026, 1, 19, 7, 0, tzinfo=UTC)  # Monday 08:00 in Stockholm


def test_a_send_time_on_a_public_holiday_moves_to_the_next_working_day() -> None:
    epiphany = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)  # trettondedag jul, a Tuesday
    campaign = _campaign(send_at=epiphany)
    [planned] = plan(
        campaign, [person(1)], organisation=ORGANISATION, now=datetime(2026, 1, 2, tzinfo=UTC), locales={}
    )
    assert planned.due_at == datetime(2026, 1, 7, 7, 0, tzinfo=UTC)


def test_a_later_send_time_is_kept_and_an_earlier_one_means_now() -> None:
    later = datetime(2026, 1, 20, 9, 15, tzinfo=UTC)
    planned_later = _plan(_campaign(send_at=later), [person(1)])
    planned_past = _plan(_campaign(send_at=datetime(2026, 1, 1, tzinfo=UTC)), [person(1)])
    assert (planned_later[0].due_at, planned_past[0].due_at) == (later, FRIDAY_AFTERNOON)


def test_the_organisations_working_day_is_used() -> None:
    organisation = replace(ORGANISATION, settings={"nudges": {"workday_start": "09:30"}})
    early = datetime(2026, 1, 14, 7, 0, tzinfo=UTC)  # 08:00 in Stockholm
    [planned] = plan(_campaign(), [person(1)], organisation=organisation, now=early, locales={})
    assert planned.due_at == datetime(2026, 1, 14, 8, 30, tzinfo=UTC)


def test_a_reminder_is_due_n_days_later_inside_working_hours() -> None:
    thursday = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    [planned] = plan(
        _campaign(reminder_days=3), [person(1)], organisation=ORGANISATION, now=thursday, locales={}
    )
    assert planned.reminder_at == datetime(2026, 1, 19, 7, 0, tzinfo=UTC)  # Sunday + 0 -> Monday 08:00


def test_channel_and_language_follow_the_person() -> None:
    people = [person(1, locale="en"), person(2, last_channel=Channel.SLACK), person(3, locale="sv")]
    planned = plan(_campaign(), people, organisation=ORGANISATION, now=FRIDAY_AFTERNOON, locales={3: "en"})
    assert [(p.locale, p.channel) for p in planned] == [("en", "webchat"), ("sv", "slack"), ("en", "webchat")]


def test_variants_are_stable_per_person_and_split_about_evenly() -> None:
    variants = (Variant.A, Variant.B)
    first = [assign_variant(7, pid, variants) for pid in range(1, 2001)]
    again = [assign_variant(7, pid, variants) for pid in range(1, 2001)]
    other_campaign = [assign_variant(8, pid, variants) for pid in range(1, 2001)]

    assert first == again
    assert 900 < Counter(first)[Variant.A] < 1100
    assert first != other_campaign  # a new campaign draws anew


def test_without_a_variant_b_everyone_gets_a() -> None:
    planned = _plan(_campaign(), [person(i) for i in range(1, 50)])
    assert {p.variant for p in planned} == {Variant.A}


def test_with_a_variant_b_the_plan_uses_both() -> None:
    campaign = _campaign(variant_b=Wording("Hej B", "Hello B"))
    planned = _plan(campaign, [person(i) for i in range(1, 50)])
    assert {p.variant for p in planned} == {Variant.A, Variant.B}
    assert all(p.variant is assign_variant(7, p.person_id, campaign.variants) for p in planned)
