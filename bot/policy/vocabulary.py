"""The domain vocabulary (vocabulary.toml): Swedish and English terms grouped into concepts."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.i18n import Locale
from bot.policy.analysis import STOPWORDS, stem, words

LANGS: tuple[Locale, Locale] = ("sv", "en")
Terms = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """``terms[concept]``: every term of a concept as index terms, once per stemmer.

    ``by_word`` finds the concepts of a one-word term, ``phrases`` the multi-word terms (as one set
    of acceptable index terms per position) that a question may contain.
    """

    terms: dict[str, frozenset[Terms]]
    by_word: dict[str, frozenset[str]]
    phrases: tuple[tuple[tuple[frozenset[str], ...], str], ...]

    def concepts_of(self, variants: frozenset[str]) -> frozenset[str]:
        found: set[str] = set()
        for variant in variants:
            found |= self.by_word.get(variant, frozenset())
        return frozenset(found)


def term_words(term: str) -> list[str]:
    return [word for word in words(term) if word not in STOPWORDS]


def variants(word: str) -> frozenset[str]:
    """The index terms a word can have, whichever language it is in."""
    return frozenset(stem(word, lang) for lang in LANGS)


@cache
def vocabulary() -> Vocabulary:
    source = resources.files(__package__).joinpath("vocabulary.toml").read_text(encoding="utf-8")
    concepts: dict[str, dict[str, list[str]]] = tomllib.loads(source)["concepts"]
    terms: dict[str, frozenset[Terms]] = {}
    by_word: defaultdict[str, set[str]] = defaultdict(set)
    phrases: list[tuple[tuple[frozenset[str], ...], str]] = []
    for name, entry in concepts.items():
        analysed = [term_words(term) for term in entry["terms"]]
        terms[name] = frozenset(tuple(stem(w, lang) for w in ws) for ws in analysed if ws for lang in LANGS)
        for ws in analysed:
            if len(ws) == 1:
                for variant in variants(ws[0]):
                    by_word[variant].add(name)
            elif len(ws) > 1:
                phrases.append((tuple(variants(w) for w in ws), name))
    frozen = {word: frozenset(names) for word, names in by_word.items()}
    return Vocabulary(terms, frozen, tuple(sorted(phrases, key=lambda item: -len(item[0]))))
