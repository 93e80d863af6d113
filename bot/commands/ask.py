"""``remm-bot ask QUESTION [--policy PATH]... [--lang sv|en] [--json]``: a policy answer in the terminal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from bot.app import Services

from bot.i18n import SUPPORTED_LOCALES, Locale, text
from bot.policy import (
    MAX_QUESTION_CHARS,
    PolicyContact,
    PolicyDocument,
    PolicyImportError,
    PolicyIndex,
    PolicyQuestionError,
    answer_question,
    import_paths,
)

SAMPLE_POLICY_DIR = Path(__file__).resolve().parents[1] / "sample" / "policy"


def ask_command(
    question: Annotated[str, typer.Argument(help="The question, in Swedish or English.")],
    policy: Annotated[
        list[Path] | None,
        typer.Option("--policy", help="Answer from these files or folders only (repeatable)."),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the answer: sv or en.")] = "sv",
    json_output: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    org: Annotated[str | None, typer.Option("--org", help="Organisation whose stored policy to use.")] = None,
) -> None:
    """Answer a question about the meeting and travel policy, quoting the passage.

    With --policy, from those files or folders alone (no database); otherwise from the organisation's
    imported documents (`remm-bot policy import`).
    """
    locale = _locale(lang)
    if policy:
        try:
            documents = import_paths(policy)
        except PolicyImportError as error:
            _fail(text(f"policy.import_error.{error.code}", locale, file=error.file, detail=error.detail), 2)
        contact = None
    else:
        documents, contact = stored_documents(org)
    if not documents:
        _fail(text("policy.cli.no_documents", locale), 2)
    code = run_ask(question, documents, locale, json_output, contact=contact)
    if code:
        raise typer.Exit(code)


def stored_documents(org: str | None) -> tuple[list[PolicyDocument], PolicyContact | None]:
    """The organisation's current documents and its contact, read from the database."""
    # Imported here so that `ask --policy` works without touching the database stack.
    from bot.commands.common import load_settings, pick_organisation, run, with_services
    from bot.policy.library import contact_of

    async def work(services: Services) -> tuple[list[PolicyDocument], PolicyContact | None]:
        organisation = await pick_organisation(services, org)
        return await services.policies.current(organisation.id), contact_of(organisation.settings)

    return run(with_services(load_settings(), work))


def run_ask(
    question: str,
    documents: Sequence[PolicyDocument],
    lang: Locale,
    json_output: bool,
    *,
    contact: PolicyContact | None = None,
) -> int:
    """Answer from ``documents`` and print; returns the exit code (2 for an unusable question)."""
    index = PolicyIndex.build(documents)
    try:
        answer = answer_question(index, question, locale=lang, contact=contact)
    except PolicyQuestionError as error:
        typer.echo(text(f"policy.question_error.{error.code}", lang, limit=MAX_QUESTION_CHARS), err=True)
        return 2
    if json_output:
        typer.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(answer.answer)
        if answer.found:
            typer.echo(text("policy.answer.confidence", lang, percent=round(answer.confidence * 100)))
    return 0


def sample_documents(lang: Locale) -> list[PolicyDocument]:
    """The sample organisation's policy in ``lang`` (until the organisation's stored documents are used)."""
    folder = SAMPLE_POLICY_DIR / lang
    return import_paths([folder]) if folder.is_dir() else []


def _locale(value: str) -> Locale:
    head = value.strip().lower().replace("_", "-").split("-")[0]
    for locale in SUPPORTED_LOCALES:
        if head == locale:
            return locale
    _fail(text("policy.cli.bad_lang", "sv", value=value), 2)


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)
