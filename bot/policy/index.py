"""An in-memory BM25 index over policy passages, rebuilt from the documents whenever they change.

Nothing here is stored: the same documents give the same index, whichever database holds them
(documents are ordered by id first). Ranking is bm25s's BM25 (Lucene variant); the analysis
(stems, compounds, the domain vocabulary) is ours, in tokens.py and query.py. Headings count: a
passage is indexed with its own heading twice and the headings above it and the title once, so a
question about "hyrbil" finds the passage under "Hyrbil".
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import bm25s
import numpy as np
import numpy.typing as npt

from bot.policy.compounds import Decompounder
from bot.policy.model import Passage, PolicyDocument, ScoredPassage
from bot.policy.query import QueryBuilder, QueryGroup, content_words
from bot.policy.tokens import PassageTokenizer, known_swedish_stems

Vector = npt.NDArray[np.float32]
K1: Final = 1.2
# In the coverage, a question word the documents never use weighs this share of a rare word (one
# found once, in one passage of average length), so "What is the parental leave policy?" is not
# covered by a passage that matches only "policy".
UNKNOWN_WORD_SHARE: Final = 0.5
Entry = tuple[PolicyDocument, Passage]


@dataclass(frozen=True, slots=True)
class _Query:
    groups: list[QueryGroup]
    vectors: list[Vector]
    weights: list[float]  # per group: its best score anywhere, 0 for a word no passage has
    total_weight: float


class PolicyIndex:
    """Build with ``PolicyIndex.build(documents)``; ``search`` ranks passages for a question."""

    def __init__(self, entries: Sequence[Entry], tokenizer: PassageTokenizer) -> None:
        self._entries = tuple(entries)
        self._bm25 = bm25s.BM25(k1=K1, b=0.75, method="lucene")
        if self._entries:
            self._bm25.index([tokenizer.passage(*entry) for entry in self._entries], show_progress=False)
        self._text_terms = [frozenset(tokenizer.text(p.text, d.lang)) for d, p in self._entries]
        vocabulary: dict[str, int] = getattr(self._bm25, "vocab_dict", {})
        self._builder = QueryBuilder((term for term in vocabulary if term), tokenizer.decompounder)

    @classmethod
    def build(cls, documents: Iterable[PolicyDocument]) -> PolicyIndex:
        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on itself at import
        ordered = sorted(documents, key=lambda document: document.doc_id)
        tokenizer = PassageTokenizer(Decompounder(known_swedish_stems(ordered)))
        return cls([(document, passage) for document in ordered for passage in document.passages], tokenizer)

    @property
    def documents(self) -> tuple[PolicyDocument, ...]:
        return tuple(dict.fromkeys(document for document, _ in self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str, *, limit: int = 3) -> list[ScoredPassage]:
        """The best passages, best first; raises PolicyQuestionError for an unusable question."""
        groups = self._builder.groups(content_words(query))
        if not self._entries:
            return []
        vectors = [self._group_vector(group) for group in groups]
        weights = [float(vector.max()) for vector in vectors]
        known = [weight for weight in weights if weight > 0]
        if not known:
            return []
        unknown_weight = UNKNOWN_WORD_SHARE * (len(weights) - len(known)) * self._rare_word_weight()
        scored = _Query(groups, vectors, weights, sum(known) + unknown_weight)
        totals = np.sum(vectors, axis=0)
        best = [int(i) for i in np.argsort(-totals, kind="stable")[:limit] if totals[i] > 0]
        return [self._scored(i, scored, float(totals[i]), sum(known)) for i in best]

    def _scored(self, i: int, query: _Query, score: float, ideal: float) -> ScoredPassage:
        matched = [
            (group, weight)
            for group, vector, weight in zip(query.groups, query.vectors, query.weights, strict=True)
            if vector[i] > 0
        ]
        in_text = sum(1 for group, _ in matched if self._in_text(group, i))
        document, passage = self._entries[i]
        return ScoredPassage(
            passage,
            document,
            score,
            coverage=sum(weight for _, weight in matched) / query.total_weight,
            strength=min(score / ideal, 1.0),
            in_text=in_text / sum(1 for weight in query.weights if weight > 0),
        )

    def _in_text(self, group: QueryGroup, i: int) -> bool:
        """Whether the passage's own text, not only a heading above it, matches the group."""
        return any(set(terms) <= self._text_terms[i] for terms, _ in group.alternatives)

    def _rare_word_weight(self) -> float:
        """BM25 (Lucene) of a word found once, in one passage of average length."""
        count = len(self._entries)
        return math.log(1 + (count - 0.5) / 1.5) / (1 + K1)

    def _group_vector(self, group: QueryGroup) -> Vector:
        best = np.zeros(len(self._entries), dtype=np.float32)
        for terms, weight in group.alternatives:
            scores: Vector = self._bm25.get_scores(list(terms))
            np.maximum(best, scores * np.float32(weight), out=best)
        return best
