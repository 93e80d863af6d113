"""Answers quote passages (never their own policy text), say when they don't know, and name a contact."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.policy import (
    PolicyAnswer,
    PolicyContact,
    PolicyIndex,
    PolicyQuestionError,
    answer_question,
    parse_document,
)

CONTACT = PolicyContact(name="Resfria möten-supporten", role="Administrativa avdelningen", channel="#resfria")
I18N = Path(__file__).resolve().parents[2] / "bot" / "i18n"


def quoted_lines(answer: PolicyAnswer) -> list[str]:
    return [line[2:] for line in answer.answer.splitlines() if line.startswith("> ")]


def test_found_answer_quotes_the_passage_with_title_section_and_source(sample_sv_index: PolicyIndex) -> None:
    answer = answer_question(sample_sv_index, "Får jag ta flyget till Malmö?", locale="sv", contact=CONTACT)
    assert answer.found
    assert answer.confidence > 0.9
    first = answer.passages[0]
    assert first.heading == "4. Val av färdsätt: tåg före flyg"
    assert "500 km" in first.text
    lines = answer.answer.splitlines()
    assert (
        lines[0]
        == "**Mötes- och resepolicy för Myndigheten för hållbar samhällsplanering** › " + first.heading
    )
    assert "Källa: mötes-och-resepolicy.md" in lines


def test_every_quoted_line_is_policy_text_and_every_other_line_is_ours(sample_sv_index: PolicyIndex) -> None:
    for question in ["When do I get per diem?", "Hur bokar jag tåg och hotell?", "Vem ansvarar för policyn?"]:
        answer = answer_question(sample_sv_index, question, locale="en", contact=CONTACT)
        texts = "\n".join(passage.text for passage in answer.passages)
        assert all(line in texts for line in quoted_lines(answer))
        for line in answer.answer.splitlines():
            ours = line.startswith(("**", "Source: ", "The quote is in", "Also relevant:")) or not line
            assert line.startswith("> ") or ours, line


def test_an_english_answer_from_a_swedish_policy_says_the_quote_is_swedish(
    sample_sv_index: PolicyIndex,
) -> None:
    answer = answer_question(sample_sv_index, "What is the mileage allowance?", locale="en")
    assert answer.lang == "en"
    assert "25 kronor per mil" in answer.passages[0].text
    assert "The quote is in Swedish." in answer.answer


def test_not_found_names_the_responsible_contact(sample_sv_index: PolicyIndex) -> None:
    answer = answer_question(sample_sv_index, "Hur söker jag föräldraledighet?", locale="sv", contact=CONTACT)
    assert not answer.found
    assert answer.passages == ()
    assert answer.answer == (
        "Jag hittar inte det här i policyn.\n"
        "Fråga **Resfria möten-supporten** (Administrativa avdelningen): #resfria"
    )
    english = answer_question(sample_sv_index, "What is the wifi password?", locale="en")
    assert english.answer.startswith("I don't find this in the policy.\nAsk your manager")


def test_a_second_passage_only_when_it_comes_from_another_section() -> None:
    raw = (
        "# Policy\n\n## Taxi\n\nTaxi får användas sent på kvällen.\n\nTaxi bokas via resebyrån.\n\n"
        "## Flygplats\n\nTill flygplatsen tar du i första hand tåg eller taxi. Taxi är ett sista val.\n\n"
        "## Hotell\n\nBoka hotell nära.\n\n## Boende\n\nBo gärna på hotell.\n"
    )
    index = PolicyIndex.build([parse_document(raw.encode(), name="p.md")])
    answer = answer_question(index, "taxi", locale="sv")
    assert [p.heading for p in answer.passages] == ["Taxi", "Flygplats"]
    assert "Även relevant:" in answer.answer
    single = answer_question(index, "Boka hotell", locale="sv")  # "Boende" lacks "boka": it adds nothing
    assert [p.heading for p in single.passages] == ["Hotell"]


def test_answer_id_is_stable_and_depends_on_question_and_passages(sample_sv_index: PolicyIndex) -> None:
    first = answer_question(sample_sv_index, "Får jag flyga till Malmö?", locale="sv")
    again = answer_question(sample_sv_index, "  får jag flyga till malmö ", locale="en")
    other = answer_question(sample_sv_index, "Vad är milersättningen?", locale="sv")
    assert first.answer_id == again.answer_id != other.answer_id
    assert len(first.answer_id) == 16


def test_json_shape(sample_sv_index: PolicyIndex) -> None:
    payload = answer_question(sample_sv_index, "Vad är milersättningen?", locale="sv").to_json()
    assert set(payload) == {"answer", "passages", "confidence", "lang", "found"}
    passages = payload["passages"]
    assert isinstance(passages, list)
    assert set(passages[0]) == {"document", "heading", "text", "score"}
    assert 0 <= float(str(payload["confidence"])) <= 1


@pytest.mark.parametrize(
    ("question", "code"), [("  ", "empty"), ("å" * 5_000, "too_long"), ("och det är", "no_terms")]
)
def test_bad_questions_raise_a_coded_error(sample_sv_index: PolicyIndex, question: str, code: str) -> None:
    with pytest.raises(PolicyQuestionError) as caught:
        answer_question(sample_sv_index, question, locale="sv")
    assert caught.value.code == code


def test_a_contact_needs_a_way_to_reach_it() -> None:
    with pytest.raises(ValueError, match="email or a channel"):
        PolicyContact(name="N", role="R")
    assert PolicyContact(name="N", role="R", email="a@b.se", channel="#c").reach == "#c, a@b.se"


def flat_keys(table: dict[str, object], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in table.items():
        keys |= flat_keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return keys


def test_swedish_and_english_catalogues_have_the_same_policy_keys() -> None:
    swedish = tomllib.loads((I18N / "sv" / "policy.toml").read_text(encoding="utf-8"))
    english = tomllib.loads((I18N / "en" / "policy.toml").read_text(encoding="utf-8"))
    assert flat_keys(swedish) == flat_keys(english)
