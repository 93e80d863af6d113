"""`remm-bot policy import PATH...`: the organisation's travel and meeting policy documents."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.app import Services
from bot.commands.common import BadInput, command, load_settings, pick_organisation, run, with_services
from bot.policy import PolicyImportError, import_paths

policy_app = typer.Typer(help="The organisation's travel and meeting policy (answers quote it).")


@policy_app.command("import")
@command
def import_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: Markdown, text, HTML, PDF, DOCX.")],
    org: Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")] = None,
) -> None:
    """Import policy documents; all parse or none is stored. A re-import keeps the old version for audit."""
    try:
        documents = import_paths(paths)
    except PolicyImportError as error:
        raise BadInput(str(error)) from None
    if not documents:
        raise BadInput("no policy documents found in the given paths (.md, .txt, .html, .pdf, .docx)")

    async def work(services: Services) -> None:
        organisation = await pick_organisation(services, org)
        stored, unchanged = await services.library.import_documents(
            organisation, documents, now=services.clock.now()
        )
        passages = sum(len(d.passages) for d in documents)
        typer.echo(
            f"{organisation.slug}: {len(documents)} documents, {passages} passages; "
            f"{stored} stored as new versions, {unchanged} unchanged"
        )

    run(with_services(load_settings(), work))
