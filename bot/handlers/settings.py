"""`inställningar`/`settings`: the person's own nudge settings, changed with one click."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.handlers.context import ChatDeps, Turn
from bot.i18n import text
from bot.messages import Action, ActionId, ActionStyle, Fact, OutgoingMessage, Reply


async def show_settings(deps: ChatDeps, turn: Turn) -> Reply:
    return Reply(messages=(await settings_card(deps, turn),))


async def settings_card(deps: ChatDeps, turn: Turn) -> OutgoingMessage:
    preferences = await deps.nudges.preferences(turn.person.id)
    locale = turn.locale
    if preferences.opted_out:
        status = text("chat.settings.off", locale)
    elif preferences.snoozed_until and preferences.snoozed_until > turn.now:
        status = text("chat.settings.snoozed", locale, until=preferences.snoozed_until.date().isoformat())
    else:
        status = text("chat.settings.on", locale)
    toggle = (
        Action(ActionId.SETTINGS_OPT_IN, text("chat.settings.opt_in", locale), "", ActionStyle.PRIMARY)
        if preferences.opted_out
        else Action(ActionId.SETTINGS_OPT_OUT, text("chat.settings.opt_out", locale), "", ActionStyle.DANGER)
    )
    other = "en" if locale == "sv" else "sv"
    facts = [
        Fact(text("chat.settings.tips", locale), status),
        Fact(text("chat.settings.language", locale), text(f"chat.language.name_{locale}", locale)),
    ]
    actions = [
        Action(ActionId.SETTINGS_SNOOZE_DAY, text("chat.settings.snooze_day", locale), ""),
        Action(ActionId.SETTINGS_SNOOZE_WEEK, text("chat.settings.snooze_week", locale), ""),
        toggle,
        Action(ActionId.SETTINGS_LANGUAGE, text(f"chat.language.switch_to_{other}", locale), other),
    ]
    if deps.summaries is not None:
        monthly = await deps.summaries.monthly_summary(turn.person.id)
        state = text("chat.settings.monthly_on" if monthly else "chat.settings.monthly_off", locale)
        facts.append(Fact(text("chat.settings.monthly", locale), state))
        label = text("chat.settings.monthly_stop" if monthly else "chat.settings.monthly_start", locale)
        actions.append(Action(ActionId.SETTINGS_MONTHLY_SUMMARY, label, "off" if monthly else "on"))
    return OutgoingMessage(
        text=text("chat.settings.title", locale), facts=tuple(facts), actions=tuple(actions)
    )


async def change_setting(deps: ChatDeps, turn: Turn, action: ActionId, value: str) -> Reply:
    """Apply one settings button, then show the card again, updated in place."""
    if action is ActionId.SETTINGS_MONTHLY_SUMMARY:
        if deps.summaries is not None:
            await deps.summaries.set_monthly_summary(turn.person.id, value == "on", now=turn.now)
        return Reply(update=await settings_card(deps, turn))
    preferences = await deps.nudges.preferences(turn.person.id)
    changes = {
        ActionId.SETTINGS_SNOOZE_DAY: {"snoozed_until": turn.now + timedelta(days=1)},
        ActionId.SETTINGS_SNOOZE_WEEK: {"snoozed_until": turn.now + timedelta(days=7)},
        ActionId.SETTINGS_OPT_OUT: {"opted_out": True},
        ActionId.SETTINGS_OPT_IN: {"opted_out": False, "snoozed_until": None, "paused_until": None},
        ActionId.SETTINGS_LANGUAGE: {"locale": "en" if value == "en" else "sv"},
    }[action]
    await deps.nudges.save_preferences(turn.organisation.id, replace(preferences, **changes), now=turn.now)  # type: ignore[arg-type]
    if action is ActionId.SETTINGS_LANGUAGE:
        turn = replace(turn, locale="en" if value == "en" else "sv")
    return Reply(update=await settings_card(deps, turn))
