"""Fixtures for the policy engine: hand-made PDF and DOCX files, and indexes over the sample policy."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import docx
import pytest

from bot.policy import PolicyDocument, PolicyIndex, import_paths

REPO = Path(__file__).resolve().parents[2]
SAMPLE_SV = REPO / "bot" / "sample" / "policy" / "sv" / "mötes-och-resepolicy.md"
SAMPLE_EN = REPO / "bot" / "sample" / "policy" / "en" / "meeting-and-travel-policy.md"


def _pdf_string(line: str) -> bytes:
    escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("cp1252") + b")"


def _page_stream(lines: Sequence[str]) -> bytes:
    if not lines:
        return b"0 0 m 200 200 l S"  # a drawing, no text: what a scanned page looks like to a parser
    shown = b" Tj T* ".join(_pdf_string(line) for line in lines)
    return b"BT /F1 11 Tf 14 TL 72 800 Td " + shown + b" Tj ET"


def build_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A minimal valid PDF: one Helvetica text line per entry, one page per list."""
    count = len(pages)
    font_id = 3 + 2 * count
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(count))
        + b"] /Count %d >>" % count,
    ]
    for number, lines in enumerate(pages):
        stream = _page_stream(lines)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >>"
            b" /Contents %d 0 R >>" % (font_id, 4 + 2 * number)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


@pytest.fixture
def make_pdf() -> Callable[[Sequence[Sequence[str]]], bytes]:
    return build_pdf


@pytest.fixture
def make_docx() -> Callable[[], bytes]:
    def build() -> bytes:
        document = docx.Document()
        document.add_paragraph("Resepolicy för Testverket", style="Title")
        document.add_paragraph("Inledning om policyn och varför den finns.")
        document.add_heading("Val av färdsätt", level=1)
        document.add_paragraph("Välj tåg när resan är kortare än fem timmar.")
        document.add_heading("Hyrbil", level=2)
        document.add_paragraph("Hyrbil bokas via resebyrån.", style="List Bullet")
        table = document.add_table(rows=1, cols=2)
        table.rows[0].cells[0].text = "Traktamente hel dag"
        table.rows[0].cells[1].text = "290 kr"
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    return build


@pytest.fixture(scope="session")
def sample_sv() -> list[PolicyDocument]:
    return import_paths([SAMPLE_SV])


@pytest.fixture(scope="session")
def sample_sv_index(sample_sv: list[PolicyDocument]) -> PolicyIndex:
    return PolicyIndex.build(sample_sv)
