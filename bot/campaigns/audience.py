"""Audiences over the organisation's people: names checked against what exists, then resolved."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from bot.campaigns.model import Audience, CampaignRefused
from bot.domain.organisations import Office
from bot.domain.people import Person


def checked(audience: Audience, people: Sequence[Person], offices: Sequence[Office]) -> Audience:
    """The audience with every name spelled as the organisation spells it; unknown names are refused."""
    if audience.empty:
        raise CampaignRefused("no_audience")
    if audience.everyone and audience.filtered:
        raise CampaignRefused("everyone_and_filters")
    emails = {p.email for p in people}
    unknown = [e for e in audience.emails if e.strip().lower() not in emails]
    if unknown:
        raise CampaignRefused("unknown_email", emails=", ".join(unknown))
    return Audience(
        everyone=audience.everyone,
        departments=_canonical("department", audience.departments, (p.department for p in people)),
        offices=_canonical("office", audience.offices, (o.name for o in offices)),
        roles=_canonical("role", audience.roles, (p.job_title for p in people)),
        emails=tuple(dict.fromkeys(e.strip().lower() for e in audience.emails)),
    )


def resolve(audience: Audience, people: Sequence[Person], offices: Sequence[Office]) -> list[Person]:
    """Active people the audience names, each once, in id order (``audience`` already ``checked``)."""
    office_ids = {o.id for o in offices if o.name.casefold() in _folded(audience.offices)}
    departments, roles = _folded(audience.departments), _folded(audience.roles)

    def matches(person: Person) -> bool:
        if audience.everyone:
            return True
        if not audience.filtered:
            return False
        return (
            (not departments or person.department.casefold() in departments)
            and (not audience.offices or person.office_id in office_ids)
            and (not roles or person.job_title.casefold() in roles)
        )

    named = set(audience.emails)
    chosen = {p.id: p for p in people if p.active and (matches(p) or p.email in named)}
    return [chosen[key] for key in sorted(chosen)]


def _folded(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.casefold() for v in values)


def _canonical(kind: str, wanted: Sequence[str], existing: Iterable[str]) -> tuple[str, ...]:
    known = {name.casefold(): name for name in existing if name}
    found: list[str] = []
    for name in wanted:
        match = known.get(name.strip().casefold())
        if match is None:
            raise CampaignRefused(f"unknown_{kind}", name=name, known=_known(name, known.values()))
        found.append(match)
    return tuple(dict.fromkeys(found))


def _known(name: str, names: Iterable[str], *, most: int = 12) -> str:
    """The names closest to a misspelling, or all of them when there are few."""
    every = sorted(names)
    close = difflib.get_close_matches(name, every, n=5, cutoff=0.6)
    if close:
        return ", ".join(close)
    return ", ".join(every[:most]) + (", …" if len(every) > most else "")
