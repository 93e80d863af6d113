"""`remm-bot campaign create|list|show|send|stats`: information campaigns (REMM step 9).

Creating and sending need ``--as EMAIL``, a person with the coordinator or admin permission; the others
only read. Bad input and a missing permission exit with code 2 and say why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer

from bot.app import Services
from bot.campaigns.inputs import explain, parse_audience, parse_send_at, parse_survey
from bot.campaigns.model import Buttons, CampaignDraft, CampaignRefused, Wording
from bot.campaigns.service import CampaignService
from bot.commands.campaign_report import describe, figures_table
from bot.commands.common import BadInput, command, load_settings, pick_organisation, run, with_services
from bot.domain.organisations import Organisation
from bot.domain.people import Person

campaign_app = typer.Typer(help="Information campaigns (REMM step 9): create, preview, send, follow up.")
T = TypeVar("T")

As = Annotated[str, typer.Option("--as", help="Email of the acting coordinator (or admin).")]
Org = Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")]


@campaign_app.command("create")
@command
def create(
    as_email: As,
    title: Annotated[str, typer.Option(help="Title, shown in bold on the card.")],
    text_sv: Annotated[str, typer.Option(help="The message in Swedish.")],
    text_en: Annotated[str, typer.Option(help="The message in English.")],
    audience: Annotated[
        list[str] | None,
        typer.Option(help="everyone, department=X, office=X, role=X (job title) or email=X; repeatable."),
    ] = None,
    send_at: Annotated[
        str, typer.Option(help="ISO date or time (the organisation's clock); default now.")
    ] = "",
    survey: Annotated[str | None, typer.Option(help='A 1-5 survey question: "svenska|English".')] = None,
    link: Annotated[str | None, typer.Option(help="A link button (https://...).")] = None,
    im_in: Annotated[bool, typer.Option("--im-in", help='An "I\'m in" button.')] = False,
    reminder_days: Annotated[
        int | None, typer.Option(help="Remind those who did not answer after N days.")
    ] = None,
    variant_b_sv: Annotated[str | None, typer.Option(help="A/B test: the other wording, Swedish.")] = None,
    variant_b_en: Annotated[str | None, typer.Option(help="A/B test: the other wording, English.")] = None,
    org: Org = None,
) -> None:
    """Create a campaign; a preview is queued to you first, and nothing goes out until `send`."""

    async def work(services: Services, organisation: Organisation, service: CampaignService) -> None:
        actor = await _person(services, organisation, as_email)
        if (variant_b_sv is None) != (variant_b_en is None):
            raise CampaignRefused("variant_b_incomplete")
        draft = CampaignDraft(
            title=title,
            wording=Wording(text_sv, text_en),
            audience=parse_audience(audience or []),
            buttons=Buttons(
                link=link, im_in=im_in, survey=parse_survey(survey) if survey is not None else None
            ),
            send_at=parse_send_at(send_at, now=services.clock.now(), timezone=organisation.timezone),
            reminder_days=reminder_days,
            variant_b=Wording(variant_b_sv, variant_b_en)
            if variant_b_sv is not None and variant_b_en is not None
            else None,
        )
        created = await service.create(organisation, actor, draft, locale="en")
        campaign = created.campaign
        split = ", ".join(f"{v.value} {n}" for v, n in created.counts.items())
        typer.echo(
            f'created campaign {campaign.id} "{campaign.title}" for {sum(created.counts.values())} '
            f"recipients ({split}); sends {service.when(campaign, organisation, 'en')}"
        )
        typer.echo(
            f"a preview is queued to {actor.email}; when it looks right: "
            f"remm-bot campaign send {campaign.id} --as {actor.email}"
        )

    _run(org, work)


@campaign_app.command("send")
@command
def send(
    campaign_id: Annotated[int, typer.Argument(help="The campaign's id.")], as_email: As, org: Org = None
) -> None:
    """Queue the campaign for every recipient, inside their working hours; sending again adds nobody."""

    async def work(services: Services, organisation: Organisation, service: CampaignService) -> None:
        actor = await _person(services, organisation, as_email)
        sent = await service.send(organisation, actor, campaign_id)
        if sent.already:
            typer.echo(f"campaign {campaign_id} was sent already; nothing queued again")
            return
        first = sent.first_due.astimezone(ZoneInfo(organisation.timezone)) if sent.first_due else None
        when = first.strftime("%Y-%m-%d %H:%M") if first else "-"
        typer.echo(
            f"campaign {campaign_id}: {sent.recipients} recipients, {sent.queued} newly queued; "
            f"first delivery {when} ({organisation.timezone})"
        )

    _run(org, work)


@campaign_app.command("list")
@command
def list_campaigns(org: Org = None) -> None:
    """Campaigns, newest first, with their main figures."""

    async def work(_services: Services, organisation: Organisation, service: CampaignService) -> None:
        typer.echo("id\tstatus\ttargeted\tdelivered\tunreachable\tclicked\tresponded\ttitle")
        for campaign in await service.recent(organisation, limit=1000):
            total = (await service.figures(campaign)).total
            counts = (total.targeted, total.delivered, total.unreachable, total.clicked, total.responded)
            typer.echo("\t".join(map(str, (campaign.id, campaign.status.value, *counts, campaign.title))))

    _run(org, work)


@campaign_app.command("show")
@command
def show(campaign_id: Annotated[int, typer.Argument(help="The campaign's id.")], org: Org = None) -> None:
    """A campaign's content, audience, timing and figures."""

    async def work(_services: Services, organisation: Organisation, service: CampaignService) -> None:
        campaign = await service.campaign(organisation, campaign_id)
        typer.echo(describe(campaign, service.when(campaign, organisation, "en")))
        typer.echo("")
        typer.echo(figures_table(await service.figures(campaign)))

    _run(org, work)


@campaign_app.command("stats")
@command
def stats(
    campaign_id: Annotated[int, typer.Argument(help="The campaign's id.")],
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Also write the figures to this CSV file.")
    ] = None,
    org: Org = None,
) -> None:
    """Figures per variant: targeted, delivered, unreachable (why), clicked, responded, the survey."""
    from bot.campaigns.metrics import to_csv

    async def work(_services: Services, organisation: Organisation, service: CampaignService) -> None:
        campaign = await service.campaign(organisation, campaign_id)
        figures = await service.figures(campaign)
        typer.echo(f'campaign {campaign.id} "{campaign.title}" ({campaign.status.value})')
        typer.echo(figures_table(figures))
        if csv is not None:
            try:
                csv.write_text(to_csv(figures), encoding="utf-8")
            except OSError as error:
                raise BadInput(f"cannot write {csv}: {error.strerror}") from None
            typer.echo(f"wrote {csv}")

    _run(org, work)


def _run(org: str | None, work: Callable[[Services, Organisation, CampaignService], Awaitable[None]]) -> None:
    async def opened(services: Services) -> None:
        organisation = await pick_organisation(services, org)
        assert services.campaigns is not None
        try:
            await work(services, organisation, services.campaigns)
        except CampaignRefused as refused:
            raise BadInput(explain(refused, "en")) from None

    run(with_services(load_settings(), opened))


async def _person(services: Services, organisation: Organisation, email: str) -> Person:
    person = await services.people.by_email(organisation.id, email)
    if person is None:
        raise BadInput(f"no person with email {email!r} in {organisation.slug}")
    return person
