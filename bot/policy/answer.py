"""``answer_question``: the best passage quoted, a second one when it adds something, or "not found".

Confidence (0..1) combines two measures of the best hit, both from the index:
- coverage: the share of the question's words the passage matches, each word weighted by its best
  BM25 contribution anywhere in the documents (rare, specific words weigh more); words the documents
  never use count at half an average word, so an unknown topic lowers it;
- strength: the passage's BM25 score divided by the sum of those best contributions, i.e. how close
  it comes to being the best passage for every word of the question at once.
confidence = coverage x (0.6 + 0.4 x strength). Coverage dominates because a passage that
misses part of the question is the usual wrong answer; strength separates a passage that mentions
every word in passing from the one that is about them. Below CONFIDENCE_THRESHOLD the answer is
"not found" plus the responsible contact. The threshold was set on tests/policy/eval_cases.toml:
every sample-policy question clears it (the lowest scores about 0.48), and 5 of the 7 questions the
documents do not answer fall below it; the other two share a word with a passage ("När betalas
lönen ut?" -> "Traktamente betalas") and are quoted with a confidence near 0.6.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

from bot.i18n import Locale
from bot.policy.analysis import words
from bot.policy.index import PolicyIndex
from bot.policy.model import PolicyAnswer, PolicyContact, QuotedPassage, ScoredPassage
from bot.policy.render import render_found, render_not_found

CONFIDENCE_THRESHOLD: Final = 0.45
# A second passage is shown when it sits in another section, matches as much of the question as the
# first, in its own text (not only through a shared parent heading), and scores at least this share of it.
SECOND_PASSAGE_RATIO: Final = 0.6


def answer_question(
    index: PolicyIndex, question: str, *, locale: Locale, contact: PolicyContact | None = None
) -> PolicyAnswer:
    """Raises PolicyQuestionError (code "empty", "too_long" or "no_terms") for an unusable question."""
    hits = index.search(question, limit=5)
    confidence = confidence_of(hits[0]) if hits else 0.0
    if confidence < CONFIDENCE_THRESHOLD:
        text = render_not_found(locale, contact)
        return PolicyAnswer(text, (), confidence, locale, False, answer_id(question, ()))
    chosen = [hits[0], *_second(hits)]
    quoted = tuple(_quoted(hit) for hit in chosen)
    text = render_found(chosen, locale)
    return PolicyAnswer(text, quoted, confidence, locale, True, answer_id(question, quoted))


def confidence_of(hit: ScoredPassage) -> float:
    return max(0.0, min(1.0, hit.coverage * (0.6 + 0.4 * hit.strength)))


def answer_id(question: str, passages: Sequence[QuotedPassage]) -> str:
    """Stable id for feedback: the question's words and the quoted passages, whatever the spacing."""
    key = " ".join(words(question)) + "|" + ",".join(f"{p.doc_id}#{p.ordinal}" for p in passages)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _second(hits: Sequence[ScoredPassage]) -> list[ScoredPassage]:
    first = hits[0]
    for hit in hits[1:]:
        if hit.score < first.score * SECOND_PASSAGE_RATIO:
            return []
        other_section = (hit.document.doc_id, hit.passage.heading_path) != (
            first.document.doc_id,
            first.passage.heading_path,
        )
        if other_section and hit.coverage >= first.coverage and hit.in_text == 1.0:
            return [hit]
    return []


def _quoted(hit: ScoredPassage) -> QuotedPassage:
    return QuotedPassage(
        document=hit.document.title,
        heading=hit.heading,
        text=hit.passage.text,
        score=hit.score,
        source=hit.document.source,
        doc_id=hit.document.doc_id,
        ordinal=hit.passage.ordinal,
    )
