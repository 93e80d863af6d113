"""A question into query groups: one group per content word or matched vocabulary phrase.

Each group lists alternative ways to match it, with a weight: the word itself (1.0), the parts of a
Swedish compound together (1.0), every term of the word's concept in the domain vocabulary (0.9, so
English finds Swedish), and index terms that differ from the word's stem only by an ending the
stemmer missed (0.8). A passage scores, per group, its best alternative; groups add up. So a
concept with many synonyms counts once, and a question word that matches nothing stays visible
(it lowers the answer's confidence).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from bot.policy.analysis import STOPWORDS, stem, words
from bot.policy.compounds import Decompounder
from bot.policy.model import PolicyQuestionError
from bot.policy.vocabulary import LANGS, Terms, variants, vocabulary

MAX_QUESTION_CHARS: Final = 4_000
LITERAL, CONCEPT, NEAR = 1.0, 0.9, 0.8


@dataclass(frozen=True, slots=True)
class QueryGroup:
    label: str
    alternatives: tuple[tuple[Terms, float], ...]  # only terms the index knows


def content_words(question: str) -> list[str]:
    """The searchable words of a question; raises PolicyQuestionError for unusable questions."""
    stripped = question.strip()
    if not stripped:
        raise PolicyQuestionError("empty", "the question is empty")
    if len(stripped) > MAX_QUESTION_CHARS:
        raise PolicyQuestionError("too_long", f"the question is longer than {MAX_QUESTION_CHARS} characters")
    found = [word for word in words(stripped) if word not in STOPWORDS]
    if not found:
        raise PolicyQuestionError("no_terms", "the question has only stop words")
    return found


class QueryBuilder:
    def __init__(self, index_terms: Iterable[str], decompounder: Decompounder) -> None:
        self._terms = frozenset(index_terms)
        self._sorted = sorted(self._terms)
        self._decompounder = decompounder

    def groups(self, question_words: Sequence[str]) -> list[QueryGroup]:
        out: list[QueryGroup] = []
        position = 0
        while position < len(question_words):
            phrase = self._phrase_at(question_words, position)
            if phrase is not None:
                length, concept = phrase
                out.append(self._phrase_group(question_words[position : position + length], concept))
                position += length
            else:
                out.extend(self._word_groups(question_words[position]))
                position += 1
        return out

    def _phrase_at(self, question_words: Sequence[str], start: int) -> tuple[int, str] | None:
        for positions, concept in vocabulary().phrases:
            window = question_words[start : start + len(positions)]
            if len(window) == len(positions) and all(
                variants(word) & allowed for word, allowed in zip(window, positions, strict=True)
            ):
                return len(positions), concept
        return None

    def _phrase_group(self, phrase: Sequence[str], concept: str) -> QueryGroup:
        found: dict[Terms, float] = {}
        for lang in LANGS:
            self._offer(found, tuple(stem(word, lang) for word in phrase), LITERAL)
        for terms in vocabulary().terms[concept]:
            self._offer(found, terms, CONCEPT)
        return QueryGroup(" ".join(phrase), tuple(found.items()))

    def _word_groups(self, word: str) -> list[QueryGroup]:
        """One group, or one per part of a compound the documents never use whole, so that an
        unknown part ("semester|dagar") counts as an unknown word."""
        parts = self._decompounder.split(word)
        if len(parts) > 1 and not any(variant in self._terms for variant in variants(word)):
            return [self._word_group(part, (part,)) for part in parts]
        return [self._word_group(word, parts)]

    def _word_group(self, word: str, parts: tuple[str, ...]) -> QueryGroup:
        found: dict[Terms, float] = {}
        own = variants(word)
        for variant in own:
            self._offer(found, (variant,), LITERAL)
            for near in self._near(variant):
                self._offer(found, (near,), NEAR)
        if len(parts) > 1:
            self._offer(found, tuple(stem(part, "sv") for part in parts), LITERAL)
        for concept in sorted(vocabulary().concepts_of(own)):
            for terms in vocabulary().terms[concept]:
                self._offer(found, terms, CONCEPT)
        return QueryGroup(word, tuple(found.items()))

    def _offer(
        self, found: dict[Terms, float], terms: Terms, weight: float, *, partial: bool = False
    ) -> None:
        known = tuple(term for term in dict.fromkeys(terms) if term in self._terms)
        if not known or (len(known) < len(set(terms)) and not partial):
            return
        found[known] = max(weight, found.get(known, 0.0))

    def _near(self, term: str) -> list[str]:
        """Index terms that extend ``term`` by up to 2 letters or that it extends by up to 3."""
        if len(term) < 4:
            return []
        longer: list[str] = []
        start = bisect.bisect_right(self._sorted, term)
        for candidate in self._sorted[start : start + 50]:
            if not candidate.startswith(term):
                break
            if len(candidate) - len(term) <= 2:
                longer.append(candidate)
        shorter = [term[:cut] for cut in range(max(4, len(term) - 3), len(term)) if term[:cut] in self._terms]
        return longer + shorter
