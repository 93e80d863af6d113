"""Policy engine: import speed (parse + index, pages per second) and answer latency over 1,000 pages.

Run: .venv/bin/python bench/policy.py [--pages N] [--questions N] [--seed N]
Target: p95 answer time under 30 ms over a generated corpus of 1,000 pages of ~400 words.
The corpus is generated Swedish policy-like text (100 documents of 10 pages, numbered sections),
imported twice: as Markdown, and as text PDFs (one PDF page per page) to include PDF parsing.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.policy import PolicyDocument, PolicyIndex, answer_question, parse_document

TARGET_P95_MS = 30.0
PAGES_PER_DOCUMENT = 10
WORDS_PER_PAGE = 400


def _items(text: str) -> list[str]:
    return text.split("|")


TOPICS = _items(
    "Resfria möten|Val av färdsätt|Tåg före flyg|Bokning av resor|Hotell och boende|"
    "Traktamente|Milersättning och egen bil|Hyrbil och taxi|Utlandsresor|Klimatkompensation|"
    "Godkännande av tjänsteresor|Säkerhet under resan|Konferenser och utbildningar|"
    "Uppföljning|Ansvar och kontakt|Kollektivtrafik|Videomöten och teknik|"
    "Reseräkning och kvitton"
)
SUBJECTS = _items(
    "Medarbetaren|Chefen|Resenären|Den som kallar till mötet|Enheten|Myndigheten|Resebyrån|"
    "Reseadministrationen|Projektledaren|Den som reser"
)
VERBS = _items(
    "ska boka|får välja|bör överväga|ansvarar för|ska godkänna|kan använda|ska redovisa|"
    "följer upp|ska prioritera|får ersättning för"
)
OBJECTS = _items(
    "tågresor|flygresor|resfria möten|hotellrum|hyrbilar|taxiresor|traktamente|milersättning|"
    "videomöten|konferenslokaler|biljetter i andra klass|nattåg|klimatkompensation|"
    "reseräkningar|kollektivtrafik|elbilar|utlandsresor"
)
CONDITIONS = _items(
    "när resan är kortare än 500 km|om mötet inte kan hållas digitalt|i god tid före resan|"
    "enligt Skatteverkets regler|inom det statliga ramavtalet|efter beslut av närmaste chef|"
    "när kollektivtrafik saknas|för att minska klimatpåverkan|"
    "vid resor till Göteborg och Malmö|om restiden med tåg överstiger fem timmar|"
    "när flera ska till samma plats"
)
QUESTIONS = _items(
    "Får jag flyga till {city}?|Vem ska godkänna {obj}?|Hur bokar jag {obj}?|"
    "Vad gäller för {topic}?|När får jag {obj}?|Can I book {en} to {city}?|"
    "What are the rules for {en}?|Måste jag ta tåget till {city}?|Ersätts {obj} {cond}?"
)
CITIES = _items("Malmö|Göteborg|Umeå|Luleå|Sundsvall|Kiruna|Stockholm|Gothenburg")
ENGLISH = _items("flights|train tickets|a rental car|a hotel|per diem|mileage|a digital meeting")
SYLLABLES = _items(
    "res|möt|tåg|flyg|hot|ell|kon|fer|ens|bil|an|sv|ar|ning|het|kost|nad|plan|er|ing|skap|dag|tid|rum"
)
Import = tuple[list[PolicyDocument], PolicyIndex, float, float]


def rare_words(rng: random.Random, count: int = 3_000) -> list[str]:
    """Made-up words, so that the vocabulary is as varied as real documents (names, rare terms)."""
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 5))) for _ in range(count)]


def sentence(rng: random.Random, rare: list[str]) -> str:
    extra = " ".join(rng.choice(rare) for _ in range(rng.randint(0, 3)))
    parts = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS), extra, rng.choice(CONDITIONS)]
    return " ".join(part for part in parts if part) + "."


def page_text(rng: random.Random, number: int, rare: list[str]) -> str:
    heading = f"## {number}. {rng.choice(TOPICS)}"
    paragraphs, words = [], 0
    while words < WORDS_PER_PAGE:
        sentences = [sentence(rng, rare) for _ in range(rng.randint(6, 10))]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        words += len(paragraph.split())
    return "\n\n".join([heading, *paragraphs])


def corpus(pages: int, rng: random.Random) -> list[list[str]]:
    """Documents as lists of page texts."""
    documents, rare = [], rare_words(rng)
    for start in range(0, pages, PAGES_PER_DOCUMENT):
        count = min(PAGES_PER_DOCUMENT, pages - start)
        documents.append([page_text(rng, start + n + 1, rare) for n in range(count)])
    return documents


def as_markdown(number: int, pages: Sequence[str]) -> bytes:
    return (f"# Resepolicy {number}\n\n" + "\n\n".join(pages)).encode()


def as_pdf(number: int, pages: Sequence[str]) -> bytes:
    """A minimal text PDF, one page per page (lines of ~12 words, Helvetica, WinAnsi)."""
    streams = []
    for page in pages:
        lines = [f"Resepolicy {number}"] if not streams else []
        for block in page.split("\n\n"):
            words = block.removeprefix("## ").split()
            lines += [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
        encoded = (line.encode("cp1252").replace(b"(", b"").replace(b")", b"") for line in lines)
        shown = b" Tj T* ".join(b"(" + line + b")" for line in encoded)
        streams.append(b"BT /F1 9 Tf 11 TL 40 800 Td " + shown + b" Tj ET")
    return _pdf_file(streams)


def _pdf_file(streams: list[bytes]) -> bytes:
    count, font = len(streams), 3 + 2 * len(streams)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
    ]
    for n, stream in enumerate(streams):
        resources = b"/Resources << /Font << /F1 %d 0 R >> >>" % font
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] %s /Contents %d 0 R >>"
            % (resources, 4 + 2 * n)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (n, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def timed_import(files: list[tuple[bytes, str]]) -> Import:
    started = time.perf_counter()
    documents = [parse_document(raw, name=name) for raw, name in files]
    parsed = time.perf_counter()
    index = PolicyIndex.build(documents)
    return documents, index, parsed - started, time.perf_counter() - parsed


def questions(count: int, rng: random.Random) -> list[str]:
    return [
        rng.choice(QUESTIONS).format(
            city=rng.choice(CITIES),
            obj=rng.choice(OBJECTS),
            topic=rng.choice(TOPICS).lower(),
            en=rng.choice(ENGLISH),
            cond=rng.choice(CONDITIONS),
        )
        for _ in range(count)
    ]


def latencies(index: PolicyIndex, asked: list[str]) -> list[float]:
    answer_question(index, "Får jag flyga?", locale="sv")  # warm-up: vocabulary and stemmers load once
    out = []
    for question in asked:
        started = time.perf_counter()
        answer_question(index, question, locale="sv")
        out.append((time.perf_counter() - started) * 1000)
    return out


def report(label: str, pages: int, run: Callable[[], Import]) -> PolicyIndex:
    documents, index, parse_s, index_s = run()
    passages = sum(len(d.passages) for d in documents)
    total = parse_s + index_s
    timing = f"parse {parse_s:.2f} s + index {index_s:.2f} s = {pages / total:,.0f} pages/s"
    print(f"{label:9} {pages} pages, {passages} passages: {timing}")
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1_000)
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    documents = corpus(args.pages, rng)
    markdown = [(as_markdown(n, pages), f"policy-{n:03}.md") for n, pages in enumerate(documents)]
    pdfs = [(as_pdf(n, pages), f"policy-{n:03}.pdf") for n, pages in enumerate(documents)]
    index = report("markdown", args.pages, lambda: timed_import(markdown))
    report("pdf", args.pages, lambda: timed_import(pdfs))
    times = latencies(index, questions(args.questions, rng))
    p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
    verdict = "met" if p95 < TARGET_P95_MS else "MISSED"
    print(f"answers   {len(times)} questions: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms")
    print(f"target    p95 < {TARGET_P95_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
