"""What a campaign is: its wording (per A/B variant, in Swedish and English), buttons and audience."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.i18n import Locale

SURVEY_SCALE = range(1, 6)  # REMM's attitude questions (MRVU) use a 1-5 scale


class Variant(StrEnum):
    A = "A"
    B = "B"


class CampaignStatus(StrEnum):
    DRAFT = "draft"  # stored, preview queued to the coordinator
    SENDING = "sending"  # recipients being planned and queued (a crash here is finished by sending again)
    SENT = "sent"  # every recipient queued in the outbox


class CampaignRefused(ValueError):
    """Bad input or a missing permission; ``code`` picks the text in ``campaigns.refused.*``."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code}: {params}" if params else code)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Wording:
    sv: str
    en: str

    def in_(self, locale: Locale) -> str:
        return self.en if locale == "en" else self.sv

    def to_dict(self) -> dict[str, str]:
        return {"sv": self.sv, "en": self.en}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Wording:
        return cls(str(data["sv"]), str(data["en"]))


@dataclass(frozen=True, slots=True)
class Buttons:
    link: str | None = None
    im_in: bool = False
    survey: Wording | None = None  # the 1-5 question

    @property
    def answerable(self) -> bool:
        """Whether the campaign asks for an answer ("I'm in" or a survey), not only a link."""
        return self.im_in or self.survey is not None

    @property
    def any(self) -> bool:
        return self.answerable or self.link is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "link": self.link,
            "im_in": self.im_in,
            "survey": self.survey.to_dict() if self.survey else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Buttons:
        survey = data.get("survey")
        return cls(data.get("link"), bool(data.get("im_in")), Wording.from_dict(survey) if survey else None)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who gets it. Within one kind the values add up (two departments); the kinds narrow each other
    (department and office: that department at that office); emails add named people on top."""

    everyone: bool = False
    departments: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()  # job titles
    emails: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.everyone or self.departments or self.offices or self.roles or self.emails)

    @property
    def filtered(self) -> bool:
        return bool(self.departments or self.offices or self.roles)

    def to_dict(self) -> dict[str, Any]:
        return {
            "everyone": self.everyone,
            "departments": list(self.departments),
            "offices": list(self.offices),
            "roles": list(self.roles),
            "emails": list(self.emails),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Audience:
        return cls(
            everyone=bool(data.get("everyone")),
            departments=tuple(data.get("departments", ())),
            offices=tuple(data.get("offices", ())),
            roles=tuple(data.get("roles", ())),
            emails=tuple(data.get("emails", ())),
        )

    def terms(self) -> list[str]:
        """``department=Planering``-style terms, as the command line takes them."""
        if self.everyone:
            return ["everyone", *(f"email={e}" for e in self.emails)]
        kinds = (("department", self.departments), ("office", self.offices), ("role", self.roles))
        named = [f"{kind}={value}" for kind, values in kinds for value in values]
        return named + [f"email={e}" for e in self.emails]


@dataclass(frozen=True, slots=True)
class CampaignDraft:
    """What the coordinator asked for, before it is checked and stored."""

    title: str
    wording: Wording
    audience: Audience
    buttons: Buttons = Buttons()
    send_at: datetime | None = None  # None: now
    reminder_days: int | None = None
    variant_b: Wording | None = None


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    organisation_id: int
    title: str
    wording: Wording
    audience: Audience
    buttons: Buttons
    status: CampaignStatus
    created_at: datetime
    send_at: datetime | None = None
    reminder_days: int | None = None
    variant_b: Wording | None = None
    created_by: int | None = None
    sent_at: datetime | None = None
    recipients: int = field(default=0, compare=False)

    @property
    def variants(self) -> tuple[Variant, ...]:
        return (Variant.A, Variant.B) if self.variant_b else (Variant.A,)

    def wording_of(self, variant: Variant) -> Wording:
        return self.variant_b if variant is Variant.B and self.variant_b else self.wording


def outbox_key(campaign_id: int, variant: Variant | str) -> str:
    """Design 4.5: ``campaign:<id>:<variant>``, one row per recipient."""
    return f"campaign:{campaign_id}:{variant}"


def reminder_key(campaign_id: int, variant: Variant | str) -> str:
    return f"campaign:{campaign_id}:{variant}:reminder"


def preview_key(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:preview"
