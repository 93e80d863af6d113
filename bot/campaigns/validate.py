"""Checks on what a coordinator wrote, before anything is stored: each failure names its reason."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

from bot.campaigns.model import CampaignDraft, CampaignRefused, Wording
from bot.domain.people import Person

MAX_TITLE: Final = 200
MAX_TEXT: Final = 2000
MAX_QUESTION: Final = 300
MAX_REMINDER_DAYS: Final = 30
# A send time a moment ago is "now" (the form was slow to submit), not a time in the past.
PAST_GRACE: Final = timedelta(minutes=5)
_URL = re.compile(r"^https?://[^\s<>()\[\]]+$")


def require_coordinator(person: Person) -> None:
    if not person.can_coordinate:
        raise CampaignRefused("not_coordinator")


def checked_draft(draft: CampaignDraft, *, now: datetime) -> CampaignDraft:
    """The draft with its text trimmed; bad input raises CampaignRefused (the audience is checked apart)."""
    title = draft.title.strip()
    if not title:
        raise CampaignRefused("empty_title")
    if len(title) > MAX_TITLE:
        raise CampaignRefused("too_long", what="title", limit=MAX_TITLE)
    wording = _wording(draft.wording, "text", MAX_TEXT)
    variant_b = _wording(draft.variant_b, "variant_b", MAX_TEXT) if draft.variant_b else None
    survey = _wording(draft.buttons.survey, "survey", MAX_QUESTION) if draft.buttons.survey else None
    link = draft.buttons.link.strip() if draft.buttons.link else None
    if link is not None and (len(link) > 500 or not _URL.match(link)):
        raise CampaignRefused("bad_link", link=link)
    buttons = replace(draft.buttons, link=link, survey=survey)
    if draft.send_at is not None:
        if draft.send_at.tzinfo is None:
            raise ValueError("a campaign's send time must be timezone-aware")
        if draft.send_at < now - PAST_GRACE:
            raise CampaignRefused("send_at_past", at=draft.send_at.isoformat(timespec="minutes"))
    if draft.reminder_days is not None:
        if not 1 <= draft.reminder_days <= MAX_REMINDER_DAYS:
            raise CampaignRefused("bad_reminder_days", limit=MAX_REMINDER_DAYS)
        if not buttons.any:
            raise CampaignRefused("reminder_without_buttons")
    return replace(draft, title=title, wording=wording, variant_b=variant_b, buttons=buttons)


def _wording(wording: Wording, what: str, limit: int) -> Wording:
    sv, en = wording.sv.strip(), wording.en.strip()
    if not sv or not en:
        raise CampaignRefused("empty_text", what=what, language="sv" if not sv else "en")
    if max(len(sv), len(en)) > limit:
        raise CampaignRefused("too_long", what=what, limit=limit)
    return Wording(sv, en)
