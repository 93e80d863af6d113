"""The nudge policy as tables: every reason, its boundaries, and which check wins when several apply.

The base case is a far trip three days ahead, decided on Tuesday 2026-03-10 at 10:00 Stockholm time
(ISO week 11), with an empty history: it is sent at once. Each row changes only what it is about.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.domain.nudges import Decision, OutcomeChoice, Reason
from bot.nudges.policy import assign_variant, decide, decline_streak
from bot.nudges.policy_types import (
    Candidate,
    NudgeSettings,
    PastNudge,
    PersonState,
    PolicyInput,
    PolicyOutcome,
)

DECLINED, DIGITAL, HYBRID, TRAIN = (
    OutcomeChoice.TRAVEL_ANYWAY,
    OutcomeChoice.DIGITAL,
    OutcomeChoice.HYBRID,
    OutcomeChoice.TRAIN,
)
SNOOZE, OPT_OUT = OutcomeChoice.SNOOZE, OutcomeChoice.OPT_OUT


def local(text: str, zone: str = "Europe/Stockholm") -> datetime:
    """A wall-clock time in ``zone`` as an aware UTC datetime, the shape the policy is given."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


NOW = local("2026-03-10 10:00")
FAR = Candidate(distance_km=120.0, hours_one_way=1.5, trip_start=NOW + timedelta(days=3))


def given(
    *,
    now: datetime = NOW,
    person: PersonState | None = None,
    candidate: Candidate = FAR,
    history: tuple[PastNudge, ...] = (),
    settings: NudgeSettings | None = None,
) -> PolicyInput:
    return PolicyInput(
        now=now,
        settings=settings or NudgeSettings(),
        person=person or PersonState(),
        candidate=candidate,
        history=history,
    )


def trip(**changes: Any) -> Candidate:
    return replace(FAR, **changes)


def at(
    local_now: str, *, zone: str = "Europe/Stockholm", trip_in: timedelta = timedelta(days=10)
) -> PolicyInput:
    """Decide at a local wall-clock time, for a trip far enough ahead not to matter."""
    now = local(local_now, zone)
    return given(now=now, person=PersonState(timezone=zone), candidate=trip(trip_start=now + trip_in))


def past(days_ago: float, choice: OutcomeChoice | None = None) -> PastNudge:
    return PastNudge(sent_at=NOW - timedelta(days=days_ago), choice=choice)


def suppressed(reason: Reason, *, start_pause: bool = False) -> PolicyOutcome:
    return PolicyOutcome(Decision.SUPPRESS, reason, start_pause=start_pause)


def sent_now(now: datetime = NOW) -> PolicyOutcome:
    return PolicyOutcome(Decision.SEND, Reason.SEND_NOW, deliver_at=now)


def deferred(to: datetime) -> PolicyOutcome:
    return PolicyOutcome(Decision.SEND, Reason.DEFERRED_TO_WORKING_HOURS, deliver_at=to)


THREE_DECLINES = (past(20, DECLINED), past(15, DECLINED), past(9, DECLINED))
THREE_THIS_WEEK = tuple(
    PastNudge(local(t), DIGITAL) for t in ("2026-03-09 09:00", "2026-03-09 15:00", "2026-03-10 08:30")
)
# What every later check would object to: a pause, a snooze, a decline streak and a full week.
PAUSED_AND_SNOOZED = PersonState(paused_until=NOW + timedelta(days=5), snoozed_until=NOW + timedelta(days=1))
STREAK_AND_FULL_WEEK = THREE_DECLINES + THREE_THIS_WEEK


@pytest.mark.parametrize(
    ("policy_input", "expected"),
    [
        pytest.param(
            given(candidate=trip(distance_km=50.0, hours_one_way=1.0)),
            suppressed(Reason.BELOW_THRESHOLD),
            id="exactly-50km-and-1h",
        ),
        pytest.param(
            given(candidate=trip(distance_km=40.0, hours_one_way=0.5)),
            suppressed(Reason.BELOW_THRESHOLD),
            id="40km-and-half-an-hour",
        ),
        pytest.param(
            given(candidate=trip(distance_km=50.1, hours_one_way=1.0)), sent_now(), id="50.1km-is-far-enough"
        ),
        pytest.param(
            given(candidate=trip(distance_km=50.0, hours_one_way=1.01)),
            sent_now(),
            id="50km-but-just-over-1h",
        ),
        pytest.param(
            given(candidate=trip(distance_km=40.0, hours_one_way=1.5)), sent_now(), id="40km-but-1.5h"
        ),
        pytest.param(
            given(
                candidate=trip(distance_km=80.0, hours_one_way=1.5),
                settings=NudgeSettings(min_distance_km=100, min_hours_one_way=2),
            ),
            suppressed(Reason.BELOW_THRESHOLD),
            id="organisation-raises-the-threshold",
        ),
    ],
)
def test_nudge_only_above_distance_or_travel_time(policy_input: PolicyInput, expected: PolicyOutcome) -> None:
    assert decide(policy_input) == expected


@pytest.mark.parametrize(
    ("policy_input", "expected"),
    [
        pytest.param(
            given(
                candidate=trip(distance_km=10, hours_one_way=0.2, already_nudged=True),
                person=PersonState(opted_out=True),
            ),
            suppressed(Reason.BELOW_THRESHOLD),
            id="below-threshold-beats-opt-out",
        ),
        pytest.param(given(person=PersonState(opted_out=True)), suppressed(Reason.OPTED_OUT), id="opted-out"),
        pytest.param(
            given(
                candidate=trip(already_nudged=True, booked=True, trip_start=NOW + timedelta(hours=1)),
                person=replace(PAUSED_AND_SNOOZED, opted_out=True),
                history=STREAK_AND_FULL_WEEK,
            ),
            suppressed(Reason.OPTED_OUT),
            id="opt-out-beats-everything-below-it",
        ),
        pytest.param(
            given(candidate=trip(already_nudged=True)), suppressed(Reason.ALREADY_NUDGED), id="already-nudged"
        ),
        pytest.param(
            given(candidate=trip(already_nudged=True, booked=True, trip_start=NOW)),
            suppressed(Reason.ALREADY_NUDGED),
            id="already-nudged-beats-booked-and-too-late",
        ),
        pytest.param(given(candidate=trip(booked=True)), suppressed(Reason.ALREADY_BOOKED), id="booked"),
        pytest.param(
            given(candidate=trip(booked=True, trip_start=NOW), person=PAUSED_AND_SNOOZED),
            suppressed(Reason.ALREADY_BOOKED),
            id="booked-beats-too-late-and-paused",
        ),
        pytest.param(
            given(candidate=trip(trip_start=NOW + timedelta(hours=2))),
            suppressed(Reason.TOO_LATE),
            id="trip-exactly-lead-hours-away",
        ),
        pytest.param(
            given(candidate=trip(trip_start=NOW - timedelta(hours=1))),
            suppressed(Reason.TOO_LATE),
            id="trip-already-started",
        ),
        pytest.param(
            given(candidate=trip(trip_start=NOW + timedelta(hours=2, minutes=1))),
            sent_now(),
            id="trip-a-minute-beyond-lead",
        ),
        pytest.param(
            given(
                candidate=trip(trip_start=NOW + timedelta(hours=5)), settings=NudgeSettings(min_lead_hours=6)
            ),
            suppressed(Reason.TOO_LATE),
            id="organisation-lead-of-6h",
        ),
        pytest.param(
            given(candidate=trip(trip_start=NOW + timedelta(hours=1)), person=PAUSED_AND_SNOOZED),
            suppressed(Reason.TOO_LATE),
            id="too-late-beats-paused-and-snoozed",
        ),
        pytest.param(
            given(person=PersonState(paused_until=NOW + timedelta(days=5))),
            suppressed(Reason.PAUSED),
            id="paused-until-future",
        ),
        pytest.param(
            given(person=PersonState(paused_until=NOW - timedelta(days=1))),
            sent_now(),
            id="paused-until-past",
        ),
        pytest.param(given(person=PersonState(paused_until=NOW)), sent_now(), id="pause-ending-now-is-over"),
        pytest.param(
            given(person=PAUSED_AND_SNOOZED, history=STREAK_AND_FULL_WEEK),
            suppressed(Reason.PAUSED),
            id="paused-beats-snoozed-streak-and-cap",
        ),
        pytest.param(
            given(person=PersonState(snoozed_until=NOW + timedelta(hours=1))),
            suppressed(Reason.SNOOZED),
            id="snoozed-until-future",
        ),
        pytest.param(
            given(person=PersonState(snoozed_until=NOW - timedelta(hours=1))),
            sent_now(),
            id="snoozed-until-past",
        ),
        pytest.param(
            given(person=PersonState(snoozed_until=NOW)), sent_now(), id="snooze-ending-now-is-over"
        ),
        pytest.param(
            given(person=PersonState(snoozed_until=NOW + timedelta(days=1)), history=THREE_DECLINES),
            suppressed(Reason.SNOOZED),
            id="snoozed-beats-streak",
        ),
        pytest.param(
            given(
                history=(
                    past(1.05, DECLINED),
                    PastNudge(local("2026-03-09 09:30"), DECLINED),
                    PastNudge(local("2026-03-10 08:00"), DECLINED),
                )
            ),
            suppressed(Reason.PAUSED, start_pause=True),
            id="streak-beats-weekly-cap",
        ),
        pytest.param(
            replace(
                given(history=THREE_THIS_WEEK),
                candidate=trip(trip_start=local("2026-03-10 09:30")),
                now=local("2026-03-10 07:00"),
            ),
            suppressed(Reason.WEEKLY_CAP),
            id="weekly-cap-beats-late-deferral",
        ),
    ],
)
def test_the_first_check_that_applies_wins(policy_input: PolicyInput, expected: PolicyOutcome) -> None:
    assert decide(policy_input) == expected


def _after_pause(*, asked: bool, history: tuple[PastNudge, ...]) -> PolicyInput:
    return given(person=PersonState(paused_until=NOW - timedelta(days=5), pause_asked=asked), history=history)


OLD_STREAK = (past(50, DECLINED), past(45, DECLINED), past(40, DECLINED))


@pytest.mark.parametrize(
    ("policy_input", "expected"),
    [
        pytest.param(
            given(history=THREE_DECLINES), suppressed(Reason.PAUSED, start_pause=True), id="travel-anyway-x3"
        ),
        pytest.param(
            given(history=(past(20), past(15), past(9))),
            suppressed(Reason.PAUSED, start_pause=True),
            id="ignored-x3",
        ),
        pytest.param(
            given(history=(past(20, DECLINED), past(15), past(9, DECLINED))),
            suppressed(Reason.PAUSED, start_pause=True),
            id="mixed-x3",
        ),
        pytest.param(
            given(history=(past(15, DECLINED), past(9, DECLINED))), sent_now(), id="two-misses-only"
        ),
        pytest.param(
            given(
                history=(
                    past(30, DECLINED),
                    past(25, DECLINED),
                    past(20, DIGITAL),
                    past(15, DECLINED),
                    past(9, DECLINED),
                )
            ),
            sent_now(),
            id="digital-in-between-resets",
        ),
        pytest.param(
            given(history=(past(20, DECLINED), past(15, SNOOZE), past(9, DECLINED), past(8, DECLINED))),
            sent_now(),
            id="snooze-in-between-resets",
        ),
        pytest.param(
            given(history=(*THREE_DECLINES, past(2))), sent_now(), id="young-unanswered-ends-streak"
        ),
        pytest.param(
            given(history=(past(20, DECLINED), past(15, DECLINED), past(7))),
            suppressed(Reason.PAUSED, start_pause=True),
            id="unanswered-exactly-7-days-is-ignored",
        ),
        pytest.param(
            given(
                history=(
                    past(20, DECLINED),
                    past(15, DECLINED),
                    PastNudge(NOW - timedelta(days=7) + timedelta(minutes=1)),
                )
            ),
            sent_now(),
            id="unanswered-a-minute-short-of-7-days",
        ),
        pytest.param(
            _after_pause(asked=True, history=(*OLD_STREAK, past(3, DECLINED))),
            sent_now(),
            id="after-asked-pause-one-more-no-is-fine",
        ),
        pytest.param(
            _after_pause(asked=True, history=(*OLD_STREAK, past(4, DECLINED), past(3.5), past(3, DECLINED))),
            sent_now(),
            id="after-asked-pause-young-unanswered-still-ends-it",
        ),
        pytest.param(
            _after_pause(
                asked=True, history=(*OLD_STREAK, past(4.5, DECLINED), past(4, DECLINED), past(3, DECLINED))
            ),
            suppressed(Reason.PAUSED, start_pause=True),
            id="after-asked-pause-three-new-misses-pause-again",
        ),
        pytest.param(
            _after_pause(asked=False, history=(*OLD_STREAK, past(3, DECLINED))),
            suppressed(Reason.PAUSED, start_pause=True),
            id="pause-over-but-never-asked-counts-all",
        ),
        pytest.param(
            given(
                history=(past(15, DECLINED), past(9, DECLINED)),
                settings=NudgeSettings(decline_streak_pause=2),
            ),
            suppressed(Reason.PAUSED, start_pause=True),
            id="organisation-streak-of-2",
        ),
        pytest.param(
            given(history=THREE_DECLINES, settings=NudgeSettings(decline_streak_pause=0)),
            sent_now(),
            id="streak-0-switches-pause-off",
        ),
    ],
)
def test_a_decline_streak_pauses_and_asks_once(policy_input: PolicyInput, expected: PolicyOutcome) -> None:
    assert decide(policy_input) == expected


HELSINKI = "Europe/Helsinki"
# Monday 00:30 in Helsinki is still Sunday 23:30 in Stockholm: week 11 for one, week 10 for the other.
MONDAY_START_HELSINKI = (PastNudge(local("2026-03-09 00:30", HELSINKI), DIGITAL), *THREE_THIS_WEEK[1:])


@pytest.mark.parametrize(
    ("policy_input", "expected"),
    [
        pytest.param(given(history=THREE_THIS_WEEK), suppressed(Reason.WEEKLY_CAP), id="three-this-week"),
        pytest.param(given(history=THREE_THIS_WEEK[1:]), sent_now(), id="two-this-week"),
        pytest.param(
            given(
                history=tuple(
                    PastNudge(local(t), DIGITAL)
                    for t in ("2026-03-05 09:00", "2026-03-06 09:00", "2026-03-08 23:59")
                )
            ),
            sent_now(),
            id="last-weeks-three-not-counted",
        ),
        pytest.param(
            given(history=(PastNudge(local("2026-03-09 00:30"), DIGITAL), *THREE_THIS_WEEK[1:])),
            suppressed(Reason.WEEKLY_CAP),
            id="week-starts-monday-00-00-local-not-utc",
        ),
        pytest.param(
            replace(at("2026-03-10 10:00", zone=HELSINKI), history=MONDAY_START_HELSINKI),
            suppressed(Reason.WEEKLY_CAP),
            id="week-in-helsinki",
        ),
        pytest.param(given(history=MONDAY_START_HELSINKI), sent_now(), id="same-instants-in-stockholm"),
        pytest.param(
            replace(at("2026-03-13 18:00"), history=THREE_THIS_WEEK),
            deferred(utc(2026, 3, 16, 7)),
            id="friday-evening-counts-next-week",
        ),
        pytest.param(
            replace(
                at("2026-03-14 12:00"),
                history=tuple(PastNudge(local(f"2026-03-16 {h}")) for h in ("09:00", "10:00", "11:00")),
            ),
            suppressed(Reason.WEEKLY_CAP),
            id="queued-for-next-week-fill-its-cap",
        ),
        pytest.param(
            given(history=THREE_THIS_WEEK[:1], settings=NudgeSettings(weekly_cap=1)),
            suppressed(Reason.WEEKLY_CAP),
            id="organisation-cap-of-1",
        ),
    ],
)
def test_at_most_weekly_cap_nudges_per_iso_week(policy_input: PolicyInput, expected: PolicyOutcome) -> None:
    assert decide(policy_input) == expected


@pytest.mark.parametrize(
    ("policy_input", "expected"),
    [
        pytest.param(at("2026-03-10 10:00"), sent_now(utc(2026, 3, 10, 9)), id="tuesday-10-00-now"),
        pytest.param(at("2026-03-10 08:00"), sent_now(utc(2026, 3, 10, 7)), id="tuesday-08-00-exactly-now"),
        pytest.param(at("2026-03-10 07:59"), deferred(utc(2026, 3, 10, 7)), id="tuesday-07-59-to-08-00"),
        pytest.param(at("2026-03-10 17:00"), deferred(utc(2026, 3, 11, 7)), id="tuesday-17-00-to-wednesday"),
        pytest.param(
            at("2026-03-13 18:00"), deferred(utc(2026, 3, 16, 7)), id="friday-18-00-to-monday-08-00"
        ),
        pytest.param(at("2026-03-14 11:00"), deferred(utc(2026, 3, 16, 7)), id="saturday-to-monday"),
        pytest.param(at("2026-12-25 10:00"), deferred(utc(2026, 12, 28, 7)), id="juldagen"),
        pytest.param(at("2026-12-24 10:00"), deferred(utc(2026, 12, 28, 7)), id="julafton"),
        pytest.param(at("2026-12-31 10:00"), deferred(utc(2027, 1, 4, 7)), id="nyarsafton-and-nyarsdagen"),
        pytest.param(at("2026-06-19 10:00"), deferred(utc(2026, 6, 22, 6)), id="midsommarafton"),
        pytest.param(at("2026-05-14 10:00"), deferred(utc(2026, 5, 15, 6)), id="kristi-himmelsfardsdag"),
        pytest.param(at("2025-06-06 10:00"), deferred(utc(2025, 6, 9, 6)), id="nationaldagen-2025-friday"),
        pytest.param(at("2026-01-06 10:00"), deferred(utc(2026, 1, 7, 7)), id="trettondedag-jul"),
        pytest.param(
            at("2026-03-27 18:00"), deferred(utc(2026, 3, 30, 6)), id="dst-spring-monday-08-00-cest"
        ),
        pytest.param(
            at("2026-10-24 12:00"), deferred(utc(2026, 10, 26, 7)), id="dst-autumn-monday-08-00-cet"
        ),
        pytest.param(
            at("2026-03-10 08:30", zone=HELSINKI), sent_now(utc(2026, 3, 10, 6, 30)), id="helsinki-08-30-now"
        ),
        pytest.param(
            at("2026-03-10 07:30"), deferred(utc(2026, 3, 10, 7)), id="stockholm-same-instant-waits"
        ),
        pytest.param(
            at("2026-03-10 17:30", zone=HELSINKI), deferred(utc(2026, 3, 11, 6)), id="helsinki-17-30-waits"
        ),
        pytest.param(
            at("2026-03-10 16:30"), sent_now(utc(2026, 3, 10, 15, 30)), id="stockholm-same-instant-now"
        ),
        pytest.param(
            replace(
                at("2026-03-10 08:30"), settings=NudgeSettings(workday_start=time(9), workday_end=time(16))
            ),
            deferred(utc(2026, 3, 10, 8)),
            id="organisation-hours-09-to-16",
        ),
        pytest.param(
            at("2026-03-13 18:00", trip_in=timedelta(days=2, hours=15)),
            suppressed(Reason.TOO_LATE),
            id="deferral-lands-after-trip-minus-lead",
        ),
        pytest.param(
            at("2026-03-13 18:00", trip_in=timedelta(days=2, hours=16)),
            suppressed(Reason.TOO_LATE),
            id="deferral-lands-exactly-at-trip-minus-lead",
        ),
        pytest.param(
            at("2026-03-13 18:00", trip_in=timedelta(days=2, hours=16, minutes=1)),
            deferred(utc(2026, 3, 16, 7)),
            id="deferral-a-minute-before-the-cut-off",
        ),
    ],
)
def test_delivery_waits_for_working_time(policy_input: PolicyInput, expected: PolicyOutcome) -> None:
    assert decide(policy_input) == expected


@pytest.mark.parametrize(
    ("history", "since", "expected"),
    [
        pytest.param((), None, 0, id="no-history"),
        pytest.param((past(1, DECLINED),), None, 1, id="one-decline"),
        pytest.param((past(30), past(20)), None, 2, id="two-ignored"),
        pytest.param((past(9, DECLINED), past(8, DIGITAL)), None, 0, id="latest-digital"),
        pytest.param((past(9, DECLINED), past(8, HYBRID), past(1, DECLINED)), None, 1, id="hybrid-ends-it"),
        pytest.param(
            (past(9, DECLINED), past(8, TRAIN), past(2, DECLINED), past(1, DECLINED)),
            None,
            2,
            id="train-ends-it",
        ),
        pytest.param((past(9, DECLINED), past(8, OPT_OUT), past(1, DECLINED)), None, 1, id="opt-out-ends-it"),
        pytest.param((past(9, DECLINED), past(8, SNOOZE), past(1, DECLINED)), None, 1, id="snooze-ends-it"),
        pytest.param(
            (past(20, DECLINED), past(9, DECLINED), past(1)), None, 0, id="young-unanswered-ends-it"
        ),
        pytest.param((past(7),), None, 1, id="unanswered-exactly-ignore-after-days"),
        pytest.param(
            (PastNudge(NOW - timedelta(days=7) + timedelta(seconds=1)),),
            None,
            0,
            id="unanswered-a-second-younger",
        ),
        pytest.param(
            (past(20, DECLINED), past(10, DECLINED), past(3, DECLINED)),
            NOW - timedelta(days=10),
            1,
            id="sent-at-since-excluded",
        ),
        pytest.param(
            (past(20, DECLINED), past(10, DECLINED), past(3, DECLINED)),
            NOW - timedelta(days=11),
            2,
            id="sent-after-since-counted",
        ),
    ],
)
def test_decline_streak(history: tuple[PastNudge, ...], since: datetime | None, expected: int) -> None:
    assert decline_streak(history, now=NOW, ignore_after_days=7, since=since) == expected


def test_variant_is_always_a_without_an_experiment() -> None:
    assert {assign_variant(seed, experiment=False) for seed in range(500)} == {"A"}


def test_variant_splits_people_about_evenly_in_an_experiment() -> None:
    variants = [assign_variant(seed, experiment=True) for seed in range(1000)]

    assert set(variants) == {"A", "B"}
    assert 400 <= variants.count("B") <= 600


@pytest.mark.parametrize(("seed", "expected"), [(1, "A"), (4, "A"), (5, "B"), (123456789, "B")])
def test_variant_for_a_seed_never_changes(seed: int, expected: str) -> None:
    # Pinned values: a change of algorithm would move people between variants mid-experiment.
    assert assign_variant(seed, experiment=True) == expected
    assert assign_variant(seed, experiment=True) == expected
