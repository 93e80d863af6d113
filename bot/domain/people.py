"""People of an organisation and the platform identities linked to them (design section 8)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Permission(StrEnum):
    """Separate from job titles: a coordinator runs campaigns and follow-up, an admin everything."""

    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Channel(StrEnum):
    WEBCHAT = "webchat"
    SLACK = "slack"
    TEAMS = "teams"


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    organisation_id: int
    email: str
    name: str
    office_id: int | None = None
    department: str = ""
    manager_id: int | None = None
    job_title: str = ""
    permissions: frozenset[Permission] = frozenset()
    fte: Decimal = Decimal("1.0")
    locale: str = "sv"
    timezone: str = "Europe/Stockholm"
    active: bool = True
    last_channel: Channel | None = None

    @property
    def can_coordinate(self) -> bool:
        return bool(self.permissions & {Permission.COORDINATOR, Permission.ADMIN})


@dataclass(frozen=True, slots=True)
class Identity:
    """A platform account: (kind, realm, external id) is unique and points at one person."""

    kind: Channel
    realm: str
    external_id: str
    person_id: int
    organisation_id: int


def normalise_email(email: str) -> str:
    """People are unique per (organisation, lower-cased email)."""
    cleaned = email.strip().lower()
    local, _, domain = cleaned.partition("@")
    if not local or not domain or "." not in domain or " " in cleaned:
        raise ValueError(f"not an email address: {email!r}")
    return cleaned
