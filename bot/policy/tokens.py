"""Index terms of passages: stems, plus the parts of Swedish compounds, headings boosted."""

from __future__ import annotations

from collections.abc import Iterable

from bot.policy.analysis import STOPWORDS, stem, words
from bot.policy.compounds import Decompounder
from bot.policy.model import Passage, PolicyDocument


def known_swedish_stems(documents: Iterable[PolicyDocument]) -> set[str]:
    """The vocabulary compound splitting trusts: stems of the Swedish documents' own words."""
    return {
        stem(word, "sv")
        for document in documents
        if document.lang == "sv"
        for passage in document.passages
        for word in words(passage.text)
        if len(word) >= 3 and word.isalpha() and word not in STOPWORDS
    }


class PassageTokenizer:
    """Every distinct word is analysed once per index build."""

    def __init__(self, decompounder: Decompounder) -> None:
        self.decompounder = decompounder
        self._cache: dict[tuple[str, str], list[str]] = {}

    def passage(self, document: PolicyDocument, passage: Passage) -> list[str]:
        """The passage's own heading counts twice, the headings above it and the title once."""
        *parents, own = passage.heading_path or ("",)
        return self.text(f"{passage.text} {own} {own} {' '.join(parents)} {document.title}", document.lang)

    def text(self, text: str, lang: str) -> list[str]:
        return [term for word in words(text) for term in self._word(word, lang)]

    def _word(self, word: str, lang: str) -> list[str]:
        key = (word, lang)
        cached = self._cache.get(key)
        if cached is None:
            cached = [] if word in STOPWORDS else self._analyse(word, lang)
            self._cache[key] = cached
        return cached

    def _analyse(self, word: str, lang: str) -> list[str]:
        own = stem(word, "sv" if lang == "sv" else "en")
        if lang != "sv":
            return [own]
        parts = self.decompounder.split(word)
        return [own, *(stem(part, "sv") for part in parts)] if len(parts) > 1 else [own]
