"""Organisations, the platform realms mapped to them, and their offices (design section 8)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class RealmKind(StrEnum):
    """Where a platform account comes from; ids are the platform's own."""

    SLACK_TEAM = "slack_team"
    SLACK_ENTERPRISE = "slack_enterprise"
    ENTRA_TENANT = "entra_tenant"
    GOOGLE_DOMAIN = "google_domain"


@dataclass(frozen=True, slots=True)
class Organisation:
    id: int
    slug: str
    name: str
    timezone: str = "Europe/Stockholm"
    default_locale: str = "sv"
    default_channel: str = "webchat"
    # Per-organisation settings: factor overrides, nudge thresholds, meeting link, support contact.
    settings: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Realm:
    kind: RealmKind
    external_id: str
    organisation_id: int


@dataclass(frozen=True, slots=True)
class Office:
    id: int
    organisation_id: int
    name: str
    place_key: str
    place_name: str
    lat: float
    lon: float


def validate_slug(slug: str) -> str:
    """Organisation slugs are short, lower-case and URL-safe: they appear in `--org` and URLs."""
    cleaned = slug.strip().lower()
    if not SLUG_PATTERN.match(cleaned):
        raise ValueError(
            f"organisation id {slug!r} must be 1-63 characters of a-z, 0-9 and '-', "
            "starting with a letter or digit"
        )
    return cleaned
