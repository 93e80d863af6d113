"""Answer text in the chat's small Markdown subset (bold, bullets, "> " quotes), from catalogue texts.

The only policy wording in an answer is the quoted passage itself; everything around it comes from
the message catalogue, so the bot never states a rule in its own words.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Locale, text
from bot.policy.model import PolicyContact, ScoredPassage


def render_found(hits: Sequence[ScoredPassage], locale: Locale) -> str:
    sections = [_quote(hit, locale) for hit in hits[:1]]
    sections += [f"{text('policy.answer.also', locale)}\n{_quote(hit, locale)}" for hit in hits[1:]]
    return "\n\n".join(sections)


def render_not_found(locale: Locale, contact: PolicyContact | None) -> str:
    if contact is None:
        follow_up = text("policy.answer.no_contact", locale)
    else:
        details = {"name": contact.name, "role": contact.role, "reach": contact.reach}
        follow_up = text("policy.answer.contact", locale, **details)
    return f"{text('policy.answer.not_found', locale)}\n{follow_up}"


def _quote(hit: ScoredPassage, locale: Locale) -> str:
    title = hit.document.title
    if hit.heading:
        heading = text("policy.answer.heading_with_section", locale, title=title, section=hit.heading)
    else:
        heading = text("policy.answer.heading", locale, title=title)
    quoted = "\n".join(f"> {line}" for line in hit.passage.text.splitlines() if line.strip())
    lines = [heading, quoted, text("policy.answer.source", locale, source=hit.document.source)]
    if hit.document.lang != locale:
        lines.append(text(f"policy.answer.quoted_language.{hit.document.lang}", locale))
    return "\n".join(lines)
