from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.handlers.understand import (
    Command,
    CommandIntent,
    Intent,
    NotUnderstood,
    TripIntent,
    UnknownPlaceIntent,
    understand,
)
from bot.i18n import Locale
from bot.savings.modes import Mode
from bot.savings.places import Gazetteer, default_gazetteer

FRIDAY = date(2026, 11, 27)
CASES_FILE = Path(__file__).with_name("cases.toml")
REQUIRED_SHARE = 0.9


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


def _load_cases() -> list[dict[str, Any]]:
    data = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))
    return [{"today": data["today"], **case} for case in data["case"]]


CASES = _load_cases()


def _observed(intent: Intent) -> dict[str, Any]:
    """The fields a case compares, as the case file writes them."""
    match intent:
        case TripIntent():
            return {
                "kind": "trip",
                "destination": intent.destination.name,
                "origin": intent.origin.name if intent.origin else None,
                "day": intent.day.isoformat() if intent.day else None,
                "travellers": intent.travellers,
                "mode": intent.mode.value if intent.mode else None,
                "compare_modes": [mode.value for mode in intent.compare_modes],
                "language": intent.language,
            }
        case CommandIntent():
            return {"kind": "command", "command": intent.command.value, "argument": intent.argument}
        case UnknownPlaceIntent():
            return {"kind": "unknown_place", "word": intent.word, "suggestions": intent.suggestions}
        case NotUnderstood():
            return {"kind": "not_understood", "language": intent.language}


def _expected(case: dict[str, Any]) -> dict[str, Any]:
    if case["kind"] == "trip":
        fields = ("destination", "origin", "day", "travellers", "mode", "language")
        return {"kind": "trip", **{field: case.get(field) for field in fields}} | {
            "compare_modes": case.get("compare_modes", []),
        }
    if case["kind"] == "command":
        return {"kind": "command", "command": case["command"], "argument": case.get("argument", "")}
    if case["kind"] == "unknown_place":
        return {"kind": "unknown_place", "word": case["word"]}
    return {"kind": case["kind"]}


def _mismatches(case: dict[str, Any], gazetteer: Gazetteer) -> list[str]:
    today = date.fromisoformat(case["today"])
    observed = _observed(understand(case["text"], today=today, gazetteer=gazetteer))
    wanted = _expected(case) | ({"language": case["language"]} if "language" in case else {})
    wrong = [
        f"{key}: {observed.get(key)!r}, wanted {value!r}"
        for key, value in wanted.items()
        if observed.get(key) != value
    ]
    if "suggestion" in case and case["suggestion"] not in observed.get("suggestions", ()):
        wrong.append(f"suggestions: {observed.get('suggestions')!r} lack {case['suggestion']!r}")
    return wrong


def test_case_file_has_enough_phrasings() -> None:
    swedish = [case for case in CASES if case["kind"] == "trip" and case["language"] == "sv"]
    assert len(CASES) >= 50
    assert len(swedish) >= 30


def test_cases_parse_fully_for_at_least_ninety_percent(gazetteer: Gazetteer) -> None:
    failures = {case["text"]: wrong for case in CASES if (wrong := _mismatches(case, gazetteer))}
    parsed = len(CASES) - len(failures)
    summary = f"NLU: {parsed}/{len(CASES)} cases fully parsed ({100 * parsed / len(CASES):.1f}%)"
    print(summary)
    details = "".join(f"\n  {text!r}: {'; '.join(wrong)}" for text, wrong in failures.items())
    assert parsed >= REQUIRED_SHARE * len(CASES), summary + details


@pytest.mark.parametrize("case", [case for case in CASES if case.get("must")], ids=lambda case: case["text"])
def test_must_case_parses_exactly(case: dict[str, Any], gazetteer: Gazetteer) -> None:
    assert _mismatches(case, gazetteer) == []


@pytest.mark.parametrize(
    "text",
    [
        "Jag vill ha hjälp att boka en resa till Umeå",
        "hjälp mig att planera en resa till Umeå på tisdag",
        "help me book a trip to Umeå",
        "statistik över resor till Umeå",
        "inställningar för resan till Umeå imorgon, vi är två",
    ],
)
def test_sentence_with_a_command_word_is_a_trip(text: str, gazetteer: Gazetteer) -> None:
    intent = understand(text, today=FRIDAY, gazetteer=gazetteer)
    assert isinstance(intent, TripIntent)
    assert intent.destination.name == "Umeå"


@pytest.mark.parametrize(
    ("text", "command", "argument"),
    [
        ("HJÄLP?", Command.HELP, ""),
        ("  /hjälp  ", Command.HELP, ""),
        ("??", Command.HELP, ""),
        ("what can you do?", Command.HELP, ""),
        ("Inställningar.", Command.SETTINGS, ""),
        ("visa min statistik", Command.STATS, ""),
        ("my stats", Command.STATS, ""),
        ("språk till engelska", Command.LANGUAGE, "en"),
        ("change language to English", Command.LANGUAGE, "en"),
        ("på svenska tack", Command.LANGUAGE, "sv"),
        ("språk klingon", Command.LANGUAGE, "klingon"),
        ("settings Snooze Week", Command.SETTINGS, "Snooze Week"),
        ("Mina data!", Command.PRIVACY, ""),
    ],
)
def test_command_is_recognised_in_either_language(
    text: str, command: Command, argument: str, gazetteer: Gazetteer
) -> None:
    assert understand(text, today=FRIDAY, gazetteer=gazetteer) == CommandIntent(command, argument)


def test_unknown_place_after_till_gets_suggestions(gazetteer: Gazetteer) -> None:
    intent = understand("Jag ska till Helsingfors på tisdag", today=FRIDAY, gazetteer=gazetteer)
    assert isinstance(intent, UnknownPlaceIntent)
    assert intent.word == "Helsingfors"
    assert "Helsingborg" in intent.suggestions
    assert intent.language == "sv"


def test_unknown_place_keeps_a_name_of_several_words(gazetteer: Gazetteer) -> None:
    intent = understand("Should we fly to New York?", today=FRIDAY, gazetteer=gazetteer)
    assert isinstance(intent, UnknownPlaceIntent)
    assert (intent.word, intent.language) == ("New York", "en")


def test_lower_case_words_after_till_are_not_unknown_places(gazetteer: Gazetteer) -> None:
    intent = understand("jag ska till jobbet och sedan till honom", today=FRIDAY, gazetteer=gazetteer)
    assert intent == NotUnderstood("sv")


def test_unknown_name_after_to_needs_a_word_about_travel(gazetteer: Gazetteer) -> None:
    assert understand("I need to talk to Anna", today=FRIDAY, gazetteer=gazetteer) == NotUnderstood("en")


def test_place_named_later_wins_over_an_unknown_name_after_till(gazetteer: Gazetteer) -> None:
    intent = understand("Jag ska till Skatteverket i Umeå", today=FRIDAY, gazetteer=gazetteer)
    assert isinstance(intent, TripIntent)
    assert intent.destination.name == "Umeå"


def test_place_after_till_wins_over_where_one_lives(gazetteer: Gazetteer) -> None:
    intent = understand("Jag bor i Umeå men ska till Luleå", today=FRIDAY, gazetteer=gazetteer)
    assert isinstance(intent, TripIntent)
    assert (intent.destination.name, intent.origin) == ("Luleå", None)


@pytest.mark.parametrize(
    ("text", "language"),
    [("hej", "sv"), ("vad är klockan", "sv"), ("what time is it?", "en"), ("ok", None), ("👍", None)],
)
def test_small_talk_is_not_understood(text: str, language: Locale | None, gazetteer: Gazetteer) -> None:
    assert understand(text, today=FRIDAY, gazetteer=gazetteer) == NotUnderstood(language)


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00\x01\x02", "\u200b\ufeff"])
def test_empty_input_is_not_understood(text: str, gazetteer: Gazetteer) -> None:
    assert understand(text, today=FRIDAY, gazetteer=gazetteer) == NotUnderstood(None)


def test_control_characters_are_stripped(gazetteer: Gazetteer) -> None:
    intent = understand("ska\x00 till Lu\u200bleå\x07 på tors\x1bdag", today=FRIDAY, gazetteer=gazetteer)
    assert isinstance(intent, TripIntent)
    assert (intent.destination.name, intent.day) == ("Luleå", date(2026, 12, 3))


def test_binary_garbage_does_not_raise(gazetteer: Gazetteer) -> None:
    garbage = bytes(range(256)).decode("latin-1") * 20 + "\ud800"
    assert isinstance(understand(garbage, today=FRIDAY, gazetteer=gazetteer), NotUnderstood | TripIntent)


def test_huge_input_is_read_up_to_the_cap(gazetteer: Gazetteer) -> None:
    huge = "till Umeå på tisdag " + "bla " * 25_000 + "till Luleå"
    intent = understand(huge, today=FRIDAY, gazetteer=gazetteer)
    assert isinstance(intent, TripIntent)
    assert intent.destination.name == "Umeå"


def test_mode_hint_and_comparison(gazetteer: Gazetteer) -> None:
    flight = understand("Flyg till Kiruna", today=FRIDAY, gazetteer=gazetteer)
    both = understand("Train vs plane to Kiruna?", today=FRIDAY, gazetteer=gazetteer)
    assert isinstance(flight, TripIntent)
    assert (flight.mode, flight.compare_modes) == (Mode.FLIGHT, ())
    assert isinstance(both, TripIntent)
    assert (both.mode, both.compare_modes) == (None, (Mode.TRAIN, Mode.FLIGHT))


@given(st.text(max_size=300))
def test_any_text_is_understood_somehow(gazetteer: Gazetteer, text: str) -> None:
    intent = understand(text, today=FRIDAY, gazetteer=gazetteer)
    assert isinstance(intent, CommandIntent | TripIntent | UnknownPlaceIntent | NotUnderstood)
