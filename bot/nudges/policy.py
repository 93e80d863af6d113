"""The nudge policy: whether, when and why to nudge one person about one trip.

Pure: the caller passes the clock reading, the person's state and their nudge history, and stores the
outcome with its reason whichever way it goes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.nudges import Decision, Reason
from bot.nudges.calendar import is_working_day, next_working_time
from bot.nudges.policy_types import NudgeSettings, PastNudge, PolicyInput, PolicyOutcome

__all__ = ["assign_variant", "decide", "decline_streak", "is_working_day", "next_working_time"]


def decide(policy_input: PolicyInput) -> PolicyOutcome:
    """Run the checks in their fixed order; the first that applies gives the reason."""
    reason = _standing_reason(policy_input)
    if reason is not None:
        return PolicyOutcome(Decision.SUPPRESS, reason)
    if _streak_reached(policy_input):
        # The caller stores paused_until = now + pause_days and asks once whether to continue.
        return PolicyOutcome(Decision.SUPPRESS, Reason.PAUSED, start_pause=True)
    return _schedule(policy_input)


def decline_streak(
    history: Sequence[PastNudge], *, now: datetime, ignore_after_days: int, since: datetime | None = None
) -> int:
    """How many of the latest nudges (history is oldest first) in a row were declined or ignored.

    Only nudges sent after ``since`` count. An unanswered nudge counts as ignored once it is
    ``ignore_after_days`` old; a younger one, or any answer other than travelling anyway, ends the streak.
    """
    ignored_by = now - timedelta(days=ignore_after_days)
    streak = 0
    for nudge in reversed(history):
        if (since is not None and nudge.sent_at <= since) or not _missed(nudge, ignored_by=ignored_by):
            break
        streak += 1
    return streak


def assign_variant(seed: int, *, experiment: bool) -> str:
    """The wording variant: "A" without an experiment, else "A" or "B", always the same for a seed."""
    if not experiment:
        return "A"
    # Not security: a reproducible coin flip, so a person keeps one wording for the whole experiment.
    return random.Random(seed).choice("AB")  # noqa: S311


def _standing_reason(policy_input: PolicyInput) -> Reason | None:
    """Checks 1-7: facts about the trip and the person's own choices, in order of precedence."""
    now, settings = policy_input.now, policy_input.settings
    person, candidate = policy_input.person, policy_input.candidate
    checks = (
        (_below_threshold(policy_input), Reason.BELOW_THRESHOLD),
        (person.opted_out, Reason.OPTED_OUT),
        (candidate.already_nudged, Reason.ALREADY_NUDGED),
        (candidate.booked, Reason.ALREADY_BOOKED),
        (_too_late(now, trip_start=candidate.trip_start, settings=settings), Reason.TOO_LATE),
        (person.paused_until is not None and person.paused_until > now, Reason.PAUSED),
        (person.snoozed_until is not None and person.snoozed_until > now, Reason.SNOOZED),
    )
    return next((reason for applies, reason in checks if applies), None)


def _below_threshold(policy_input: PolicyInput) -> bool:
    # A nudge is worth it when the trip is long in either sense: far away OR long on the road.
    settings, candidate = policy_input.settings, policy_input.candidate
    return (
        candidate.distance_km <= settings.min_distance_km
        and candidate.hours_one_way <= settings.min_hours_one_way
    )


def _too_late(moment: datetime, *, trip_start: datetime, settings: NudgeSettings) -> bool:
    # One rule for "now" and for a deferred delivery: a nudge landing exactly min_lead_hours before
    # the trip is already too late to change plans.
    return trip_start <= moment + timedelta(hours=settings.min_lead_hours)


def _streak_reached(policy_input: PolicyInput) -> bool:
    limit = policy_input.settings.decline_streak_pause
    if limit <= 0:
        return False  # 0 switches the pause off; taken literally it would pause everyone forever
    person = policy_input.person
    # Any pause is over by now (check 6). Once the person was asked, a pause wipes the slate: one
    # more "no" must not pause them again straight away.
    since = person.paused_until if person.pause_asked else None
    streak = decline_streak(
        policy_input.history,
        now=policy_input.now,
        ignore_after_days=policy_input.settings.ignore_after_days,
        since=since,
    )
    return streak >= limit


def _missed(nudge: PastNudge, *, ignored_by: datetime) -> bool:
    if nudge.choice is None:
        return nudge.sent_at <= ignored_by
    return nudge.choice.declines


def _schedule(policy_input: PolicyInput) -> PolicyOutcome:
    """Checks 9-10: the weekly cap for the week it would arrive in, then working time."""
    now, settings, person = policy_input.now, policy_input.settings, policy_input.person
    deliver_at = next_working_time(
        now, timezone=person.timezone, start=settings.workday_start, end=settings.workday_end
    )
    zone = ZoneInfo(person.timezone)
    week = _iso_week(deliver_at, zone)
    if sum(_iso_week(nudge.sent_at, zone) == week for nudge in policy_input.history) >= settings.weekly_cap:
        return PolicyOutcome(Decision.SUPPRESS, Reason.WEEKLY_CAP)
    if _too_late(deliver_at, trip_start=policy_input.candidate.trip_start, settings=settings):
        return PolicyOutcome(Decision.SUPPRESS, Reason.TOO_LATE)
    reason = Reason.SEND_NOW if deliver_at == now else Reason.DEFERRED_TO_WORKING_HOURS
    return PolicyOutcome(Decision.SEND, reason, deliver_at=deliver_at)


def _iso_week(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    # The person's week: a nudge at 00:30 Monday Stockholm time is Sunday evening in UTC.
    year, week, _ = moment.astimezone(zone).isocalendar()
    return year, week
