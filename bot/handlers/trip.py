"""`answer_trip_question`: "Jag ska till Umeå på tisdag" -> the estimate card, recorded like a nudge."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

from bot.domain.nudges import Decision, Reason, Trigger
from bot.domain.records import NudgeWrite
from bot.handlers.context import ChatDeps, Turn
from bot.handlers.understand import TripIntent
from bot.i18n import format_number, text
from bot.messages import OutgoingMessage, Reply
from bot.nudges.compose import compose_nudge
from bot.nudges.decide import organisation_factors
from bot.nudges.detect import office_place
from bot.savings.estimate import EstimateError, TripSpec, estimate
from bot.savings.modes import Mode
from bot.savings.places import Place
from bot.savings.render import hours_text
from bot.savings.result import SavingsEstimate


async def answer_trip_question(deps: ChatDeps, turn: Turn, intent: TripIntent) -> Reply:
    origin = intent.origin or await _home(deps, turn)
    if origin is None:
        return _say(text("chat.trip.need_origin", turn.locale, destination=intent.destination.name))
    modes = intent.compare_modes or ((intent.mode,) if intent.mode else (Mode.AUTO,))
    results = _estimates(deps, turn, origin, intent, modes)
    if not results:
        return _say(text("chat.trip.same_place", turn.locale, place=intent.destination.name))
    main = results[0]
    day = intent.day or turn.now.date()
    record = await deps.nudges.record_decision(_nudge(turn, main, day), now=turn.now)
    preferences = await deps.nudges.preferences(turn.person.id)
    card = compose_nudge(record.id, main, day, locale=turn.locale, variant=preferences.variant or "A")
    if len(results) > 1:
        card = replace(card, text=card.text + "\n" + _comparison(results, turn))
    return Reply(messages=(card,))


async def _home(deps: ChatDeps, turn: Turn) -> Place | None:
    if turn.person.office_id is None:
        return None
    office = await deps.offices.by_id(turn.person.office_id)
    return office_place(office) if office else None


def _estimates(
    deps: ChatDeps, turn: Turn, origin: Place, intent: TripIntent, modes: tuple[Mode, ...]
) -> list[SavingsEstimate]:
    factors = organisation_factors(turn.organisation)
    results = []
    for mode in modes:
        try:
            spec = TripSpec(origin, intent.destination, mode, intent.travellers or 1, True, 0)
            results.append(estimate(spec, factors=factors, airports=deps.gazetteer))
        except EstimateError:
            continue  # e.g. no flight between towns that share an airport; the other modes still answer
    return results


def _nudge(turn: Turn, result: SavingsEstimate, day: date) -> NudgeWrite:
    return NudgeWrite(
        organisation_id=turn.organisation.id,
        person_id=turn.person.id,
        subject=f"chat:{uuid.uuid4().hex}",
        trigger=Trigger.CHAT,
        decision=Decision.SEND,
        reason=Reason.ASKED_IN_CHAT,
        variant="A",
        mode=result.mode.value,
        destination_name=result.destination.name,
        trip_date=day,
        estimate=result.to_dict(),
    )


def _comparison(results: list[SavingsEstimate], turn: Turn) -> str:
    lines = []
    for result in results:
        lines.append(
            text(
                "chat.trip.compare_line",
                turn.locale,
                mode=text(f"savings.mode.{result.mode.value}", turn.locale),
                hours=hours_text(result.travel_hours, turn.locale),
                kg=format_number(result.co2e_kg, turn.locale),
                sek=format_number(result.cost.total, turn.locale),
            )
        )
    return "\n".join(lines)


def _say(message: str) -> Reply:
    return Reply(messages=(OutgoingMessage(message),))
