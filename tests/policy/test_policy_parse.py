"""Parsing Markdown, text, HTML, PDF and DOCX into passages that keep their headings; bad files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.policy import PolicyImportError, import_paths, parse_document
from bot.policy.blocks import MAX_WORDS, Block, make_passages

MARKDOWN = b"""# Resepolicy

Inledning om varf\xc3\xb6r policyn finns.

## 1. Val av f\xc3\xa4rds\xc3\xa4tt

V\xc3\xa4lj t\xc3\xa5g n\xc3\xa4r resan \xc3\xa4r kortare \xc3\xa4n 500 km.

- Flyg bara i undantagsfall.
- Boka via resebyr\xc3\xa5n.

### 1.1 Hyrbil

Hyrbil ska vara en **elbil**.
"""


def headings(document_passages: Sequence[object]) -> list[tuple[str, ...]]:
    return [passage.heading_path for passage in document_passages]  # type: ignore[attr-defined]


def test_markdown_passages_keep_their_headings_and_list_shape() -> None:
    document = parse_document(MARKDOWN, name="resepolicy.md")
    assert document.title == "Resepolicy"
    assert document.lang == "sv"
    assert headings(document.passages) == [(), ("1. Val av färdsätt",), ("1. Val av färdsätt", "1.1 Hyrbil")]
    assert document.passages[1].text.splitlines()[1:] == [
        "- Flyg bara i undantagsfall.",
        "- Boka via resebyrån.",
    ]
    assert document.passages[2].text == "Hyrbil ska vara en elbil."


def test_document_id_and_version_are_stable() -> None:
    first = parse_document(MARKDOWN, name="sv/Mötes- och resepolicy.md")
    again = parse_document(MARKDOWN, name="sv/Mötes- och resepolicy.md")
    changed = parse_document(MARKDOWN + b"\nNy mening.\n", name="sv/Mötes- och resepolicy.md")
    assert first.doc_id == "sv/motes-och-resepolicy.md"
    assert first.content_hash == again.content_hash != changed.content_hash
    assert first.source == "sv/Mötes- och resepolicy.md"


def test_plain_text_numbered_lines_become_headings() -> None:
    raw = "Resepolicy\n\n1. Syfte\nPolicyn gäller alla tjänsteresor.\n\n2. Taxi\nTaxi tas sent på kvällen.\n"
    document = parse_document(raw.encode("cp1252"), name="policy.txt")
    assert document.title == "Resepolicy"
    assert [(p.heading_path, p.text) for p in document.passages] == [
        (("1. Syfte",), "Policyn gäller alla tjänsteresor."),
        (("2. Taxi",), "Taxi tas sent på kvällen."),
    ]


def test_html_uses_h1_to_h4_and_drops_navigation() -> None:
    raw = b"""<html><head><title>Resor</title><script>var x = 1;</script></head><body>
    <nav><a href="/">Start</a></nav><h1>Resepolicy</h1><p>Inledning.</p>
    <h2>Flyg</h2><p>Flyg <b>bara</b> vid l\xc3\xa5nga resor.</p><ul><li><p>Boka i god tid.</p></li></ul>
    <h4>Bonus</h4><p>Bonuspo\xc3\xa4ng f\xc3\xa5r inte anv\xc3\xa4ndas privat.</p></body></html>"""
    document = parse_document(raw, name="https://example.se/resor", media_type="text/html; charset=utf-8")
    assert document.title == "Resepolicy"
    assert headings(document.passages) == [(), ("Flyg",), ("Flyg", "Bonus")]
    assert document.passages[1].text == "Flyg bara vid långa resor.\n- Boka i god tid."
    assert all("Start" not in p.text and "var x" not in p.text for p in document.passages)


def test_docx_headings_lists_and_tables(make_docx: Callable[[], bytes]) -> None:
    document = parse_document(make_docx(), name="policy.docx")
    assert document.title == "Resepolicy för Testverket"
    assert [(p.heading_path, p.text) for p in document.passages] == [
        ((), "Inledning om policyn och varför den finns."),
        (("Val av färdsätt",), "Välj tåg när resan är kortare än fem timmar."),
        (("Val av färdsätt", "Hyrbil"), "- Hyrbil bokas via resebyrån.\nTraktamente hel dag | 290 kr"),
    ]


def test_pdf_headings_from_numbered_lines(make_pdf: Callable[[Sequence[Sequence[str]]], bytes]) -> None:
    raw = make_pdf(
        [
            [
                "Resepolicy",
                "1. Syfte",
                "Policyn gäller alla resor i tjänsten för medarbetare.",
                "2. Val av färdsätt",
            ],
            ["Välj tåg före flyg när resan är kortare än 500 km.", "2.1 Hyrbil", "Hyrbil ska vara en elbil."],
        ]
    )
    document = parse_document(raw, name="policy.pdf")
    assert document.title == "Resepolicy"
    assert [(p.heading_path, p.text) for p in document.passages] == [
        (("1. Syfte",), "Policyn gäller alla resor i tjänsten för medarbetare."),
        (("2. Val av färdsätt",), "Välj tåg före flyg när resan är kortare än 500 km."),
        (("2. Val av färdsätt", "2.1 Hyrbil"), "Hyrbil ska vara en elbil."),
    ]


def test_pdf_without_headings_uses_each_pages_first_line(
    make_pdf: Callable[[Sequence[Sequence[str]]], bytes],
) -> None:
    first = "Resor i tjänsten ska planeras så att de blir säkra, billiga och klimatsmarta för alla."
    second = "Traktamente betalas enligt Skatteverkets regler när resan innehåller en övernattning."
    raw = make_pdf(
        [[first, "Boka resor via resebyrån i god tid."], [second, "Kvitton lämnas inom en månad."]]
    )
    document = parse_document(raw, name="policy.pdf")
    assert headings(document.passages) == [(first,), (second,)]


@pytest.mark.parametrize(
    ("raw", "name", "code"),
    [
        (b"", "tom.md", "empty"),
        (b"   \n\n  ", "blank.txt", "empty"),
        (b"<html><body><script>x()</script></body></html>", "tom.html", "empty"),
        (b"%PDF-1.4 this is not really a pdf", "trasig.pdf", "unparseable"),
        (b"PK\x03\x04 not a zip", "trasig.docx", "unparseable"),
        (b"text\x00\x01binary", "binary.txt", "unparseable"),
        (b"{\\rtf1 old word}", "policy.doc", "unsupported_type"),
    ],
)
def test_bad_documents_are_refused_with_a_code_naming_the_file(raw: bytes, name: str, code: str) -> None:
    with pytest.raises(PolicyImportError) as caught:
        parse_document(raw, name=name)
    assert caught.value.code == code
    assert name in str(caught.value)


def test_pdf_without_text_layer(make_pdf: Callable[[Sequence[Sequence[str]]], bytes]) -> None:
    with pytest.raises(PolicyImportError) as caught:
        parse_document(make_pdf([[], []]), name="skannad.pdf")
    assert caught.value.code == "no_text_layer"
    assert "skannad.pdf" in str(caught.value)


def test_import_paths_recurses_folders_and_names_files_by_their_path(tmp_path: Path) -> None:
    (tmp_path / "sv").mkdir()
    (tmp_path / "sv" / "resepolicy.md").write_bytes(MARKDOWN)
    (tmp_path / "en.txt").write_text("Travel policy\n\nBook trains through the travel agency.\n")
    (tmp_path / "bild.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.md").write_text("# Hidden\n\nNot imported.\n")
    documents = import_paths([tmp_path])
    assert [(d.source, d.lang) for d in documents] == [("en.txt", "en"), ("sv/resepolicy.md", "sv")]


def test_import_paths_imports_nothing_when_one_file_fails(tmp_path: Path) -> None:
    (tmp_path / "a-bra.md").write_bytes(MARKDOWN)
    (tmp_path / "b-tom.md").write_text("")
    with pytest.raises(PolicyImportError) as caught:
        import_paths([tmp_path])
    assert caught.value.code == "empty"
    assert caught.value.file == "b-tom.md"


def test_import_paths_refuses_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(PolicyImportError) as missing:
        import_paths([tmp_path / "finns-inte.md"])
    with pytest.raises(PolicyImportError) as empty:
        import_paths([tmp_path])
    assert (missing.value.code, empty.value.code) == ("not_found", "empty")


def test_tiny_paragraphs_merge_and_huge_ones_split() -> None:
    tiny = [Block(("A",), f"Kort stycke nummer {n}.") for n in range(5)]
    huge = Block(
        ("B",), " ".join(f"Mening {n} handlar om resor med tåg och flyg i tjänsten." for n in range(60))
    )
    passages = make_passages("doc", [*tiny, huge])
    assert passages[0].heading_path == ("A",)
    assert passages[0].text.count("\n") == 4
    assert len(passages) > 3
    assert all(len(p.text.split()) <= MAX_WORDS for p in passages)
    assert [p.ordinal for p in passages] == list(range(len(passages)))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B"]), st.lists(st.sampled_from(["ord", "resa.", "Tåg"]), max_size=400)
        ),
        max_size=12,
    )
)
def test_passages_never_lose_words_nor_mix_sections(raw: list[tuple[str, list[str]]]) -> None:
    blocks = [Block((heading,), " ".join(words)) for heading, words in raw]
    passages = make_passages("doc", blocks)
    assert [w for p in passages for w in p.text.split()] == [w for b in blocks for w in b.text.split()]
    assert all(len(p.text.split()) <= MAX_WORDS for p in passages)
    for passage in passages:
        assert passage.heading_path in {(h,) for h, words in raw if words}
