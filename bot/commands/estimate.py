"""`remm-bot estimate`: one savings estimate (design 4.3), as text (Swedish by default) or JSON."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.app import Services
from bot.commands.common import BadInput, load_settings, pick_organisation, run, with_services
from bot.i18n import Locale, normalise_locale
from bot.savings.estimate import EstimateError, Mode, SavingsEstimate, TripSpec, estimate
from bot.savings.explain import explain
from bot.savings.factors import FactorTable
from bot.savings.places import Gazetteer, Place, PlaceAmbiguous, PlaceNotFound, default_gazetteer
from bot.savings.render import render_estimate_text


def resolve_place(gazetteer: Gazetteer, query: str, *, option: str) -> Place:
    """A place by name, or bad input that names the nearest matches."""
    try:
        return gazetteer.resolve(query)
    except PlaceAmbiguous as error:
        choices = "; ".join(f"{p.name} ({p.region})" if p.region else p.name for p in error.candidates)
        raise BadInput(f"{option} {query!r} is ambiguous: {choices}") from None
    except PlaceNotFound as error:
        hint = f"; did you mean {', '.join(error.suggestions)}?" if error.suggestions else ""
        raise BadInput(f"{option}: unknown place {query!r}{hint}") from None


async def organisation_factors(org: str) -> FactorTable:
    async def work(services: Services) -> FactorTable:
        organisation = await pick_organisation(services, org)
        try:
            return FactorTable.load(organisation.settings.get("factors") or {})
        except ValueError as error:
            raise BadInput(f"organisation {organisation.slug} has a bad factor override: {error}") from None

    return await with_services(load_settings(), work)


def estimate_command(
    origin: Annotated[str, typer.Option("--from", help="Where the trip starts (a Swedish place).")],
    destination: Annotated[str, typer.Option("--to", help="Where the meeting is.")],
    mode: Annotated[Mode, typer.Option(help="How to travel; auto picks the usual choice.")] = Mode.AUTO,
    travellers: Annotated[int, typer.Option(help="How many travel (1-500).")] = 1,
    one_way: Annotated[bool, typer.Option("--one-way", help="Only one way (default: round trip).")] = False,
    nights: Annotated[int, typer.Option(help="Nights away.")] = 0,
    json_output: Annotated[bool, typer.Option("--json", help="Print the JSON object of design 4.3.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="sv or en.")] = "sv",
    org: Annotated[
        str | None, typer.Option("--org", help="Use this organisation's factor overrides.")
    ] = None,
) -> None:
    """Estimate what a trip costs and what a digital meeting would save."""
    if lang not in ("sv", "en"):
        raise BadInput(f"--lang must be sv or en, got {lang!r}")
    locale: Locale = normalise_locale(lang)
    gazetteer = default_gazetteer()
    spec_places = (
        resolve_place(gazetteer, origin, option="--from"),
        resolve_place(gazetteer, destination, option="--to"),
    )
    try:
        spec = TripSpec(spec_places[0], spec_places[1], mode, travellers, not one_way, nights)
        factors = run(organisation_factors(org)) if org else FactorTable.load()
        result = estimate(spec, factors=factors, airports=gazetteer)
    except EstimateError as error:
        raise BadInput(str(error)) from None
    typer.echo(_render(result, locale, json_output=json_output))


def _render(result: SavingsEstimate, locale: Locale, *, json_output: bool) -> str:
    if json_output:
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    return render_estimate_text(result, locale) + "\n\n" + explain(result, locale)
