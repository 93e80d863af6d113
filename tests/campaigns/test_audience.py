"""Audiences: kinds narrow each other, values within a kind add up, emails add people, names are checked."""

from __future__ import annotations

import pytest

from bot.campaigns.audience import checked, resolve
from bot.campaigns.inputs import parse_audience
from bot.campaigns.model import Audience, CampaignRefused
from tests.campaigns.people import OFFICES, PEOPLE


def _ids(*terms: str) -> list[int]:
    audience = checked(parse_audience(terms), PEOPLE, OFFICES)
    return [p.id for p in resolve(audience, PEOPLE, OFFICES)]


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        (("everyone",), [1, 2, 3, 4, 5, 6]),  # the inactive person 7 is never targeted
        (("department=Planering",), [1, 2, 3]),
        (("department=planering", "department=ANALYS"), [1, 2, 3, 4, 5]),
        (("office=Umeå",), [2, 3, 5]),
        (("department=Planering", "office=Umeå"), [2, 3]),
        (("role=Enhetschef",), [1, 3, 5]),
        (("role=Enhetschef", "office=Umeå"), [3, 5]),
        (("department=Analys", "email=p1@mhs.example.se"), [1, 4, 5]),
        (("email=P6@mhs.example.se",), [6]),
        (("everyone", "email=p1@mhs.example.se"), [1, 2, 3, 4, 5, 6]),
    ],
)
def test_an_audience_resolves_to_the_people_it_names(terms: tuple[str, ...], expected: list[int]) -> None:
    assert _ids(*terms) == expected


def test_names_are_stored_as_the_organisation_spells_them() -> None:
    audience = checked(Audience(departments=("planering",), offices=("umeå",)), PEOPLE, OFFICES)
    assert (audience.departments, audience.offices) == (("Planering",), ("Umeå",))


@pytest.mark.parametrize(
    ("terms", "code", "detail"),
    [
        ((), "no_audience", ""),
        (("department=Planerng",), "unknown_department", "Planering"),
        (("office=Kiruna",), "unknown_office", "Stockholm, Umeå"),
        (("role=Generaldirektör",), "unknown_role", ""),
        (("email=nobody@mhs.example.se",), "unknown_email", "nobody@mhs.example.se"),
        (("everyone", "office=Umeå"), "everyone_and_filters", ""),
    ],
)
def test_an_unknown_or_missing_audience_is_refused_with_the_reason(
    terms: tuple[str, ...], code: str, detail: str
) -> None:
    with pytest.raises(CampaignRefused) as refused:
        checked(parse_audience(terms), PEOPLE, OFFICES)
    assert refused.value.code == code
    assert detail in " ".join(str(v) for v in refused.value.params.values())


@pytest.mark.parametrize("term", ["team=Planering", "department=", "anyone", "office"])
def test_a_malformed_audience_term_is_refused(term: str) -> None:
    with pytest.raises(CampaignRefused) as refused:
        parse_audience([term])
    assert refused.value.code == "bad_audience_term"
