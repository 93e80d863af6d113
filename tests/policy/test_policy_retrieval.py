"""Swedish retrieval: stems, compounds, diacritics, headings and English questions on Swedish text."""

from __future__ import annotations

import pytest

from bot.policy import PolicyIndex, PolicyQuestionError, parse_document
from bot.policy.analysis import fold, stem
from bot.policy.compounds import Decompounder


def top_heading(index: PolicyIndex, question: str) -> str:
    hits = index.search(question, limit=1)
    return hits[0].heading if hits else ""


@pytest.mark.parametrize(
    ("forms", "lang"),
    [
        (["hotell", "hotellet", "hotellen"], "sv"),
        (["resa", "resan", "resor"], "sv"),
        (["traktamente", "traktamentet", "traktamenten"], "sv"),
        (["policy", "policyn", "policyns"], "sv"),
        (["digital", "digitala", "digitalt"], "sv"),
        (["flight", "flights"], "en"),
    ],
)
def test_inflected_forms_share_one_term(forms: list[str], lang: str) -> None:
    assert len({stem(form, lang) for form in forms}) == 1  # type: ignore[arg-type]


def test_diacritics_are_folded_after_stemming() -> None:
    assert fold("Göteborg Malmö Umeå") == "Goteborg Malmo Umea"
    assert stem("goteborg", "sv") == stem("göteborg", "sv")


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("tjänsteresepolicy", ("tjänste", "rese", "policy")),
        ("mötespolicy", ("mötes", "policy")),
        ("flygresa", ("flyg", "resa")),
        ("tågresor", ("tåg", "resor")),
        ("traktamentsbelopp", ("traktaments", "belopp")),
        ("samhällsplanering", ("samhälls", "planering")),
        ("resfria", ("resfria",)),
        ("biljetter", ("biljetter",)),
        ("hotell", ("hotell",)),
    ],
)
def test_compounds_split_on_known_words_with_linking_s(word: str, parts: tuple[str, ...]) -> None:
    corpus = ("resa", "tjänst", "policy", "möte", "flyg", "tåg", "traktamente", "belopp", "samhälle")
    corpus += ("planering", "biljett")
    assert Decompounder({stem(w, "sv") for w in corpus}).split(word) == parts


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("Får jag flyga till Malmö?", "4. Val av färdsätt: tåg före flyg"),
        ("När får jag välja flyg?", "4. Val av färdsätt: tåg före flyg"),
        ("tågresor", "4. Val av färdsätt: tåg före flyg"),
        ("Vem ska godkänna tjänsteresor?", "5. Beslut och godkännande"),
        ("Vilken hotellstandard gäller?", "7. Hotell och boende"),
        ("Hur bokar jag hotell i Goteborg?", "7. Hotell och boende"),
        ("traktamentsbelopp", "9. Traktamente och ersättningar"),
        (
            "Vad är milersättningen?",
            "8. Lokala resor, taxi, hyrbil och egen bil › Egen bil och milersättning",
        ),
    ],
)
def test_swedish_questions_find_their_section(
    sample_sv_index: PolicyIndex, question: str, section: str
) -> None:
    assert top_heading(sample_sv_index, question) == section


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("Can I fly to Gothenburg?", "4. Val av färdsätt: tåg före flyg"),
        ("When do I get per diem?", "9. Traktamente och ersättningar"),
        (
            "What is the mileage allowance?",
            "8. Lokala resor, taxi, hyrbil och egen bil › Egen bil och milersättning",
        ),
        ("Can I book a rental car?", "8. Lokala resor, taxi, hyrbil och egen bil › Hyrbil"),
        ("Who must approve my trip?", "5. Beslut och godkännande"),
        ("digital meeting", "2. Digitalt först: resfria möten"),
    ],
)
def test_english_questions_find_swedish_passages(
    sample_sv_index: PolicyIndex, question: str, section: str
) -> None:
    assert top_heading(sample_sv_index, question) == section


def test_a_compound_question_finds_the_compound_and_its_parts(sample_sv_index: PolicyIndex) -> None:
    hits = sample_sv_index.search("tjänsteresepolicy")
    assert "tjänsteresepolicyn" in hits[0].passage.text
    assert all(hit.coverage == 1.0 for hit in hits)


def test_heading_words_count_for_the_passage_under_them() -> None:
    raw = "# P\n\n## Hyrbil\n\nBoka i god tid via resebyrån.\n\n## Bokning\n\nEn hyrbil kan ibland behövas.\n"
    index = PolicyIndex.build([parse_document(raw.encode(), name="p.md")])
    assert top_heading(index, "hyrbil") == "Hyrbil"


def test_results_do_not_depend_on_document_order(sample_sv_index: PolicyIndex) -> None:
    documents = list(sample_sv_index.documents)
    extra = parse_document(b"# Annat\n\nFlyg aldrig till Malm\xc3\xb6 utan sk\xc3\xa4l.\n", name="annat.md")
    forward = PolicyIndex.build([*documents, extra]).search("flyga Malmö")
    backward = PolicyIndex.build([extra, *documents]).search("flyga Malmö")
    assert [(h.passage.key, h.score) for h in forward] == [(h.passage.key, h.score) for h in backward]


def test_unknown_words_find_nothing(sample_sv_index: PolicyIndex) -> None:
    assert sample_sv_index.search("lösenord wifi") == []


@pytest.mark.parametrize(
    ("question", "code"), [("", "empty"), ("x" * 5_000, "too_long"), ("Vad är det?", "no_terms")]
)
def test_unusable_questions_raise_with_a_code(sample_sv_index: PolicyIndex, question: str, code: str) -> None:
    with pytest.raises(PolicyQuestionError) as caught:
        sample_sv_index.search(question)
    assert caught.value.code == code


def test_an_empty_index_answers_nothing() -> None:
    assert PolicyIndex.build([]).search("flyg") == []
