"""Words to index terms: lower case, Snowball stems (Swedish or English), diacritics folded.

Folding comes after stemming, because the Swedish stemmer needs å, ä and ö to find suffixes; folding
then lets "Goteborg" match "Göteborg". Snowball's Swedish stemmer leaves some definite forms alone
("hotellet", "resan", "policyn", "digitalt"), so a few extra endings are removed after it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Final

import snowballstemmer

from bot.i18n import Locale

_WORD = re.compile(r"[^\W_]+")
_FOLD = str.maketrans("åäöéèêëáàüúóòæøÅÄÖÉÈÊËÁÀÜÚÓÒÆØ", "aaoeeeeaauuooaoAAOEEEEAAUUOOAO")

# Function words and the verbs questions are made of ("Får jag ...?", "Do I need ...?").
_SWEDISH = """
    alla allt att av blev bli blir blivit de dem den denna deras dess dessa det detta dig din dina ditt
    du där då efter ej eller en er era ert ett från för ha hade han hans har henne hennes hon honom hur
    här i icke ingen inom inte jag ju kan kunde man med mellan men mig min mina mitt mot mycket ni nu
    när någon något några och om oss på samma sedan sig sin sina själv skulle som så sådan sådana
    sådant till under upp ut utan vad var vara varför varit varje vars vart vem vi vid vilka vilkas
    vilken vilket vår våra vårt än är åt över får få fick ska skall måste bör behöver vill gäller
    gälla göra gör gjorde tänker tänkt finns fanns hos eftersom också även bara ens mer mest ta tar
    många lite sorts slags menas
"""
_ENGLISH = """
    a an and are as at be been but by can could did do does for from had has have how i if in into is
    it its me my may might must no not of on or our shall should so such that the their then there
    these they this to us was we were what when where which who whom why will with would you your
    am any about also get got let just want need doing
"""
SWEDISH_STOPWORDS: Final = frozenset(_SWEDISH.split())
ENGLISH_STOPWORDS: Final = frozenset(_ENGLISH.split())
STOPWORDS: Final = SWEDISH_STOPWORDS | ENGLISH_STOPWORDS


@cache
def _stemmer(lang: Locale) -> snowballstemmer.Stemmer:
    return snowballstemmer.stemmer("swedish" if lang == "sv" else "english")


def words(text: str) -> list[str]:
    """Lower-case words (letters and digits) in reading order."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def fold(word: str) -> str:
    """Remove diacritics: å ä -> a, ö -> o, é -> e (and anything else NFKD can decompose)."""
    folded = word.translate(_FOLD)
    if folded.isascii():
        return folded
    return "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)  # bounded: a long-running server sees ever new words
def stem(word: str, lang: Locale) -> str:
    """The folded index term of one lower-case word."""
    stemmed: str = _stemmer(lang).stemWord(word)
    if lang == "sv":
        stemmed = _swedish_tail(stemmed)
    return fold(stemmed)


def _swedish_tail(stemmed: str) -> str:
    if len(stemmed) >= 6 and stemmed.endswith("et"):  # hotellet, traktamentet
        return stemmed[:-2]
    if len(stemmed) >= 5 and stemmed.endswith("an"):  # resan, sträckan
        return stemmed[:-2]
    if len(stemmed) >= 5 and stemmed.endswith(("yn", "in", "ån", "én")):  # policyn, taxin, byrån
        return stemmed[:-1]
    if len(stemmed) >= 7 and stemmed.endswith("lt"):  # digitalt, normalt
        return stemmed[:-1]
    return stemmed


def guess_language(text: str) -> Locale:
    """Swedish or English, by which language's function words are more common; Swedish on a tie."""
    counts = {"sv": 0, "en": 0}
    for word in words(text[:20_000]):
        if word in SWEDISH_STOPWORDS and word not in ENGLISH_STOPWORDS:
            counts["sv"] += 1
        elif word in ENGLISH_STOPWORDS and word not in SWEDISH_STOPWORDS:
            counts["en"] += 1
    return "en" if counts["en"] > counts["sv"] else "sv"
