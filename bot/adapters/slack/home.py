"""The App Home: what the bot does, the person's own settings, quiet hours and this month's figures.

Published (views.publish) when the person opens the Home tab, and again after a settings click there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.adapters.slack.calls import SlackCalls
from bot.adapters.slack.onboarding import onboarding_blocks, refusal
from bot.adapters.slack.people import Known, Newcomer, Resolution, SlackUser
from bot.adapters.slack.translate import VIEW_BLOCKS, action_blocks, fact_sections, limit_blocks, mrkdwn
from bot.domain.nudges import PersonFigures
from bot.handlers.context import Turn
from bot.handlers.router import Router
from bot.handlers.settings import settings_card
from bot.i18n import Locale, format_number, text
from bot.messages import Fact
from bot.nudges.decide import nudge_settings
from bot.ports import Offices


class SlackHome:
    def __init__(self, calls: SlackCalls, router: Router, offices: Offices) -> None:
        self._call, self._router, self._offices = calls, router, offices

    async def publish(self, user: SlackUser, resolution: Resolution) -> None:
        view = {"type": "home", "blocks": await self.blocks(resolution)}
        await self._call(user.workspace, lambda client: client.views_publish(user_id=user.user_id, view=view))

    async def blocks(self, resolution: Resolution) -> list[dict[str, Any]]:
        if isinstance(resolution, Newcomer):
            offices = await self._offices.list(resolution.organisation.id)
            return onboarding_blocks(resolution, offices)
        if not isinstance(resolution, Known):
            message = refusal(resolution)
            return [{"type": "section", "text": mrkdwn(message.text, resolution.locale)}]
        turn = await self._router.turn(resolution.organisation, resolution.person, "slack")
        since = _month_start(turn.now, turn.person.timezone)
        figures = await self._router.deps.nudges.person_figures(turn.person.id, since=since)
        return await home_blocks(self._router, turn, figures)


async def home_blocks(router: Router, turn: Turn, figures: PersonFigures) -> list[dict[str, Any]]:
    locale = turn.locale
    card = await settings_card(router.deps, turn)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": text("slack.home.title", locale)}},
        {"type": "section", "text": mrkdwn(text("slack.home.about", locale), locale)},
        {"type": "divider"},
        {"type": "section", "text": mrkdwn(text("slack.home.settings", locale), locale)},
        *fact_sections((*card.facts, _quiet_hours(turn)), locale),
        *action_blocks(card.actions, locale),
        {"type": "divider"},
        {"type": "section", "text": mrkdwn(text("slack.home.month", locale), locale)},
        *_figures(figures, locale),
        {"type": "context", "elements": [mrkdwn(text("slack.home.privacy", locale), locale)]},
    ]
    return limit_blocks(blocks, VIEW_BLOCKS, locale)


def _quiet_hours(turn: Turn) -> Fact:
    settings = nudge_settings(turn.organisation)
    value = text(
        "slack.home.quiet_hours_value",
        turn.locale,
        start=settings.workday_start.strftime("%H:%M"),
        end=settings.workday_end.strftime("%H:%M"),
        timezone=turn.person.timezone,
    )
    return Fact(text("slack.home.quiet_hours", turn.locale), value)


def _figures(figures: PersonFigures, locale: Locale) -> list[dict[str, Any]]:
    if figures.nudges == 0:
        return [{"type": "section", "text": mrkdwn(text("slack.home.month_none", locale), locale)}]
    saved = text(
        "slack.home.saved_value",
        locale,
        hours=format_number(figures.hours_saved, locale, digits=1),
        kg=format_number(figures.co2e_saved_kg, locale),
        sek=format_number(figures.cost_saved_sek, locale),
    )
    facts = (
        Fact(text("slack.home.nudges", locale), str(figures.nudges)),
        Fact(text("slack.home.avoided", locale), str(figures.avoided_trips)),
        Fact(text("slack.home.train", locale), str(figures.train)),
        Fact(text("slack.home.travelled", locale), str(figures.travelled)),
        Fact(text("slack.home.saved", locale), saved),
    )
    return fact_sections(facts, locale)


def _month_start(now: datetime, timezone: str) -> datetime:
    """The first of this month, midnight, in the person's own time zone."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
