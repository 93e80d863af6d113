"""What coordinators type, into campaign values: audience terms, a survey question, a send time.

Shared by the command line and the chat form, so both accept and refuse the same things.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.campaigns.model import Audience, CampaignRefused, Wording
from bot.i18n import Locale, text

_KINDS = {"department": "departments", "office": "offices", "role": "roles", "email": "emails"}
_EVERYONE = frozenset({"everyone", "all", "alla"})


def parse_audience(terms: Iterable[str]) -> Audience:
    """``everyone``, ``department=Planering``, ``office=Umeå``, ``role=Enhetschef``, ``email=a@b``."""
    found: dict[str, list[str]] = {field: [] for field in _KINDS.values()}
    everyone = False
    for term in terms:
        kind, sep, value = term.partition("=")
        if not sep and kind.strip().lower() in _EVERYONE:
            everyone = True
            continue
        field = _KINDS.get(kind.strip().lower())
        if field is None or not value.strip():
            raise CampaignRefused("bad_audience_term", term=term)
        found[field].append(value.strip())
    return Audience(everyone=everyone, **{field: tuple(values) for field, values in found.items()})


def parse_survey(value: str) -> Wording:
    """``"fråga på svenska|question in English"``."""
    sv, sep, en = value.partition("|")
    if not sep or not sv.strip() or not en.strip():
        raise CampaignRefused("bad_survey")
    return Wording(sv.strip(), en.strip())


def parse_send_at(value: str, *, now: datetime, timezone: str, day: date | None = None) -> datetime | None:
    """None for "now" (empty, or today's date); an ISO date or time, read on the organisation's clock when
    it carries no offset; or ``day``, a day the caller read from words ("på måndag")."""
    cleaned = value.strip()
    if not cleaned:
        return None
    zone = ZoneInfo(timezone)
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        if day is None:
            raise CampaignRefused("bad_send_at", value=value) from None
        moment = datetime.combine(day, time.min)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    date_only = len(cleaned) <= 10 or day is not None
    if date_only and moment.astimezone(zone).date() == now.astimezone(zone).date():
        return None  # "today": as soon as working hours allow
    return moment


def explain(refused: CampaignRefused, locale: Locale) -> str:
    """The refusal in words, for a chat reply or the command line's stderr."""
    params = dict(refused.params)
    if "what" in params:
        params["what"] = text(f"campaigns.what.{params['what']}", locale)
    if "language" in params:
        params["language"] = text(f"campaigns.language.{params['language']}", locale)
    message = text(f"campaigns.refused.{refused.code}", locale, **params)
    return message[:1].upper() + message[1:]
