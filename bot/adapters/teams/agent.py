"""The Teams agent: one turn of the SDK becomes one call into the shared router.

Messages (personal, group, channel with the mention stripped) go to ``Router.on_message``; clicks, whether
an Action.Submit message with a ``value`` or an ``adaptiveCard/action`` invoke, go to ``Router.on_action``.
Every activity id is committed to the inbound log first, so Teams' resend after 15 seconds is answered
once; the log and the preferences go through ``SqlTeamsTurns``, which writes the turns waiting at one
moment in one transaction. Exceptions never reach a chat: ``on_turn_error`` logs ids and says something
friendly.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.hosting.core import TurnContext

from bot.adapters.teams.accounts import account_of
from bot.adapters.teams.members import Members
from bot.adapters.teams.outgoing import card_answer, invoke_answer, text_answer, to_activity
from bot.adapters.teams.people import Known, Refused, Sender, TeamsPeople, Unknown
from bot.adapters.teams.translate import card_action_data, click_from_data
from bot.domain.records import Preferences
from bot.handlers.context import Turn
from bot.handlers.router import Router
from bot.i18n import Locale, normalise_locale, text
from bot.messages import OutgoingMessage, Reply
from bot.ports import Clock
from storage.database import is_unavailable
from storage.inbound import SqlInboundLog
from storage.teams_turns import SqlTeamsTurns

log = logging.getLogger(__name__)

SOURCE: Final = "teams"
CARD_ACTION: Final = "adaptiveCard/action"
# A row still "received" this long after it was committed belongs to a turn that died: take it again.
STALE_AFTER: Final = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class TeamsDeps:
    people: TeamsPeople
    members: Members
    inbound: SqlInboundLog
    turns: SqlTeamsTurns
    router: Router
    clock: Clock
    public_url: str = ""


# The sender's preferences, when they were read with the turn's inbound row (someone already known).
Prefetched = asyncio.Future[Preferences] | None
Handler = Callable[[TurnContext, TeamsDeps, Prefetched], Awaitable[dict[str, Any]]]


class TeamsAgent:
    """Implements the SDK's ``Agent`` protocol (``on_turn``); dependencies arrive once the app has started."""

    def __init__(self, deps: Callable[[], TeamsDeps]) -> None:
        self._deps = deps
        self._handlers: dict[str, Handler] = {
            ActivityTypes.message: _on_message,
            ActivityTypes.invoke: _on_invoke,
            ActivityTypes.conversation_update: _on_members,
            ActivityTypes.installation_update: _on_members,
        }

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        handler = self._handlers.get(str(activity.type))
        if handler is None:
            return
        deps = self._deps()
        if not activity.id:  # nothing to deduplicate by (Teams always sends one)
            await handler(context, deps, None)
            return
        prefetched = _prefetch(deps, activity)  # queued first: it rides in the same batch as the row
        entry = await _begin(deps, activity)
        if entry is None:
            await _answer_duplicate(context, deps)
            return
        result: dict[str, Any] = {"error": True}
        try:
            result = await handler(context, deps, prefetched)
        finally:
            deps.turns.finish_later(entry, now=deps.clock.now(), result=result)  # with the next batch


def delivery_id(activity: Activity) -> str:
    """Activity ids are unique within a conversation; conversation ids can be long, so they are hashed."""
    conversation = activity.conversation.id if activity.conversation else ""
    digest = hashlib.sha256(conversation.encode()).hexdigest()[:24]
    return f"{activity.id or '-'}@{digest}"


def _prefetch(deps: TeamsDeps, activity: Activity) -> Prefetched:
    if activity.type not in (ActivityTypes.message, ActivityTypes.invoke):
        return None
    account = account_of(activity)
    person = deps.people.remembered(account) if account is not None else None
    return deps.turns.preferences_soon(person.id) if person is not None else None


async def _begin(deps: TeamsDeps, activity: Activity) -> int | None:
    now = deps.clock.now()
    key = delivery_id(activity)
    payload = {"type": str(activity.type), "at": now.isoformat()}
    entry = await deps.turns.begin(delivery_id=key, payload=payload, now=now)
    if entry is not None:
        return entry
    seen = await deps.inbound.seen(source=SOURCE, delivery_id=key)
    if seen is not None and seen.state == "received" and _stale(seen.payload, now):
        log.warning("Teams activity %s was left unfinished; handling it again", activity.id)
        return seen.id
    return None


def _stale(payload: dict[str, Any] | None, now: datetime) -> bool:
    try:
        return now - datetime.fromisoformat(str((payload or {})["at"])) > STALE_AFTER
    except (KeyError, ValueError, TypeError):
        return False


async def _answer_duplicate(context: TurnContext, deps: TeamsDeps) -> None:
    """A resend: messages are dropped; an invoke gets the answer it got the first time."""
    activity = context.activity
    log.info("duplicate Teams activity %s dropped", activity.id)
    if activity.type != ActivityTypes.invoke:
        return
    seen = await deps.inbound.seen(source=SOURCE, delivery_id=delivery_id(activity))
    body = (seen.payload or {}).get("invoke") if seen is not None and seen.state == "done" else None
    locale = normalise_locale(activity.locale)
    await context.send_activity(invoke_answer(body or text_answer(text("teams.done", locale))))


async def _on_message(context: TurnContext, deps: TeamsDeps, prefetched: Prefetched) -> dict[str, Any]:
    activity = context.activity
    click = click_from_data(activity.value) if activity.value is not None else None
    if click is None and not (activity.text or "").strip():
        return {"ignored": "empty"}
    sender = await _sender(context, deps)
    if not isinstance(sender, Known):
        await context.send_activity(to_activity(OutgoingMessage(_not_served(sender, activity))))
        return {"sender": type(sender).__name__.lower()}
    turn = await _turn(deps, sender, prefetched)
    if click is not None:
        reply = await deps.router.on_action(turn, click.action_id, click.value, click.inputs)
        return await _deliver(context, deps, reply, update_id=activity.reply_to_id)
    reply = await deps.router.on_message(turn, activity.remove_recipient_mention())
    return await _deliver(context, deps, reply, update_id=None)


async def _on_invoke(context: TurnContext, deps: TeamsDeps, prefetched: Prefetched) -> dict[str, Any]:
    activity = context.activity
    if activity.name != CARD_ACTION:
        return {"ignored": str(activity.name)}
    locale = normalise_locale(activity.locale)
    click = click_from_data(card_action_data(activity.value))
    sender = await _sender(context, deps) if click is not None else None
    if click is None or not isinstance(sender, Known):
        refusal = _not_served(sender, activity) if sender else text("chat.unknown_action", locale)
        return await _invoke_answer(context, text_answer(refusal))
    turn = await _turn(deps, sender, prefetched)
    reply = await deps.router.on_action(turn, click.action_id, click.value, click.inputs)
    for message in reply.messages:
        await context.send_activity(to_activity(message, public_url=deps.public_url))
    if reply.update is not None:
        return await _invoke_answer(context, card_answer(reply.update, public_url=deps.public_url))
    return await _invoke_answer(context, text_answer(text("teams.done", turn.locale)))


async def _on_members(context: TurnContext, deps: TeamsDeps, _prefetched: Prefetched) -> dict[str, Any]:
    return await deps.members.changed(context)


async def _turn(deps: TeamsDeps, sender: Known, prefetched: Prefetched) -> Turn:
    preferences = _ready(prefetched)
    if preferences is None or preferences.person_id != sender.person.id:
        preferences = await deps.turns.preferences(sender.person.id)
    return await deps.router.turn(sender.organisation, sender.person, SOURCE, preferences=preferences)


def _ready(prefetched: Prefetched) -> Preferences | None:
    """What was read with the turn's row (always written by now), unless that batch failed."""
    if prefetched is None or not prefetched.done() or prefetched.cancelled() or prefetched.exception():
        return None
    return prefetched.result()


async def _sender(context: TurnContext, deps: TeamsDeps) -> Sender | None:
    account = account_of(context.activity)
    return await deps.people.sender(context, account) if account is not None else None


async def _invoke_answer(context: TurnContext, body: dict[str, Any]) -> dict[str, Any]:
    await context.send_activity(invoke_answer(body))
    return {"invoke": body}


async def _deliver(
    context: TurnContext, deps: TeamsDeps, reply: Reply, *, update_id: str | None
) -> dict[str, Any]:
    """Replies in order; a click's update replaces the card it came from, in place."""
    for message in reply.messages:
        await context.send_activity(to_activity(message, public_url=deps.public_url))
    if reply.update is not None:
        updated = to_activity(reply.update, public_url=deps.public_url)
        if update_id:
            updated.id = update_id
            await context.update_activity(updated)
        else:
            await context.send_activity(updated)
    return {"replies": len(reply.messages), "updated": reply.update is not None}


def _not_served(sender: Sender | None, activity: Activity) -> str:
    locale: Locale = normalise_locale(activity.locale)
    if isinstance(sender, Unknown):
        locale = normalise_locale(activity.locale, normalise_locale(sender.organisation.default_locale))
        return text("teams.onboarding", locale, organisation=sender.organisation.name)
    if isinstance(sender, Refused):
        return text("teams.refused", locale)
    return text("chat.unknown_action", locale)


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """Replaces the SDK's handler, which would send the exception text into the chat."""
    activity = context.activity
    # The database out of reach or overloaded is an operating condition, not a bug: no traceback.
    unavailable = is_unavailable(error)
    log.log(
        logging.WARNING if unavailable else logging.ERROR,
        "Teams turn failed%s: activity %s (%s) in conversation %s",
        " (database unavailable)" if unavailable else "",
        activity.id,
        activity.type,
        delivery_id(activity).partition("@")[2],
        exc_info=None if unavailable else error,
    )
    message = text("teams.error", normalise_locale(activity.locale))
    try:
        if activity.type == ActivityTypes.invoke:
            await context.send_activity(invoke_answer(text_answer(message)))
        else:
            await context.send_activity(to_activity(OutgoingMessage(message)))
    except Exception as second:  # the connector itself may be what failed
        log.warning("could not tell the user about the failed turn (%s)", type(second).__name__)
