"""Swedish compound splitting: "tjänsteresepolicy" -> tjänste + rese + policy.

Swedish writes compounds as one word, so a question about "tågresor" must find "resa med tåg" and
"flygresa" must find "flyg". A word is split where both sides are known words: the stems of the
corpus's own Swedish words plus a short domain list. The longest known head wins; the tail may start
with the linking -s- ("traktaments|belopp", "samhälls|planering"), and the linking -e- of "tjänste"
and "rese" is absorbed by the stemmer. Parts shorter than three letters are never split off. When
no split has two known sides, one known side of four or more letters is enough.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from bot.policy.analysis import STOPWORDS, stem

MIN_PART: Final = 3
LOOSE_PART: Final = 4
MAX_DEPTH: Final = 3

_DOMAIN = """
    resa tjänst policy möte flyg tåg bil hyrbil taxi hotell traktamente belopp ersättning mil klimat
    kompensation bokning video digital webb telefon kostnad kort buss natt konferens utbildning chef
    beslut byrå avtal klass biljett samåkning kollektivtrafik trafik plats rum pris tid dag dygn
    utlandsresa utrikes inrikes miljö bränsle el fordon pool cykel förmån skatt verk resväg sträcka
    kilometer timme frukost lunch middag måltid kvitto räkning order system support ansvar
"""
DOMAIN_WORDS: Final = frozenset(_DOMAIN.split())
# Words that look like compounds but must stay whole: "resfri" is not "res" + "fri" in meaning.
NEVER_SPLIT: Final = ("resfri", "resfria", "resfritt", "resefri", "resefria", "resefritt")


class Decompounder:
    """Splits Swedish compounds against a fixed set of known stems; results are cached per word."""

    def __init__(self, known_stems: Iterable[str]) -> None:
        self._domain = frozenset(stem(word, "sv") for word in DOMAIN_WORDS)
        self._known = frozenset(known_stems) | self._domain
        self._cache: dict[str, tuple[str, ...]] = {}

    def split(self, word: str) -> tuple[str, ...]:
        """The parts of ``word`` (lower case surface forms), or ``(word,)`` when it is not a compound."""
        cached = self._cache.get(word)
        if cached is None:
            parts = (self._split(word, 0) or self._loose(word)) if _splittable(word) else None
            cached = parts or (word,)
            self._cache[word] = cached
        return cached

    def _loose(self, word: str) -> tuple[str, ...] | None:
        """One side unknown: a known head of 4+ letters ("hotell|standard") or a domain tail
        ("standard|rum"), the other side 4+ letters, so "bil|jetter" stays whole."""
        whole = stem(word, "sv")
        for cut in range(len(word) - LOOSE_PART, LOOSE_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            inflection = len(whole) - len(stem(head, "sv")) <= 2  # "bilje|tter" is biljett + an ending
            if not inflection and (self._known_part(head) or stem(tail, "sv") in self._domain):
                return (head, tail)
        return None

    def _known_part(self, part: str) -> bool:
        return len(part) >= MIN_PART and part not in STOPWORDS and stem(part, "sv") in self._known

    def _split(self, word: str, depth: int) -> tuple[str, ...] | None:
        for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head, tail = word[:cut], word[cut:]
            if not self._known_part(head):
                continue
            rest = self._tail(tail, depth)
            if rest is not None:
                return (*self._head_parts(head, depth), *rest)
        return None

    def _tail(self, tail: str, depth: int) -> tuple[str, ...] | None:
        candidates = [tail, tail[1:]] if tail.startswith("s") and len(tail) > MIN_PART else [tail]
        for candidate in candidates:
            if self._known_part(candidate):
                return (candidate,)
        if depth + 1 < MAX_DEPTH:
            for candidate in candidates:
                parts = self._split(candidate, depth + 1) if len(candidate) >= 2 * MIN_PART else None
                if parts:
                    return parts
        return None

    def _head_parts(self, head: str, depth: int) -> tuple[str, ...]:
        """A long head may itself be a compound: "tjänsterese" -> tjänste + rese."""
        if depth + 1 < MAX_DEPTH and len(head) >= 2 * MIN_PART:
            return self._split(head, depth + 1) or (head,)
        return (head,)


def _splittable(word: str) -> bool:
    return len(word) >= 2 * MIN_PART and word.isalpha() and not word.startswith(NEVER_SPLIT)
