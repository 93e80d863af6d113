"""PDF (pypdf) and DOCX (python-docx) into blocks under their headings."""

from __future__ import annotations

import io
import logging
import re
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from bot.policy.blocks import Block, Outline
from bot.policy.lines import blocks_from_pages
from bot.policy.model import PolicyImportError

logger = logging.getLogger(__name__)

# Word's built-in heading styles, in English and in a Swedish Word ("Rubrik 1").
_DOCX_HEADING = re.compile(r"^(?:heading|rubrik)\s*(\d)$", re.I)
_DOCX_TITLE = {"title", "rubrik"}


def parse_pdf(raw: bytes, label: str) -> tuple[str | None, list[Block]]:
    try:
        reader = PdfReader(io.BytesIO(raw))
        encrypted = reader.is_encrypted
        pages = [] if encrypted else [page.extract_text() or "" for page in reader.pages]
        title = None if encrypted or reader.metadata is None else reader.metadata.title
    except Exception as error:  # pypdf raises many kinds (PdfReadError, KeyError, zlib.error...) on bad files
        logger.info("pdf parse failed: %s", type(error).__name__)
        raise PolicyImportError("unparseable", label, "not a readable PDF") from None
    if encrypted:
        raise PolicyImportError("unparseable", label, "the PDF is encrypted")
    if not any(page.strip() for page in pages):
        raise PolicyImportError("no_text_layer", label, f"{len(pages)} pages without text")
    blocks = blocks_from_pages(page.split("\n") for page in pages)
    return (str(title).strip() if title else "") or _first_line(pages), blocks


def _first_line(pages: list[str]) -> str | None:
    """Without a title in the metadata, a short first line is the document's title."""
    first = next((line.strip() for page in pages for line in page.split("\n") if line.strip()), "")
    return first if 0 < len(first.split()) <= 12 else None


def parse_docx(raw: bytes, label: str) -> tuple[str | None, list[Block]]:
    try:
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        logger.info("docx parse failed: %s", type(error).__name__)
        raise PolicyImportError("unparseable", label, "not a readable DOCX") from None
    outline = Outline()
    outline.title = (document.core_properties.title or "").strip() or None
    for item in document.iter_inner_content():
        _docx_item(outline, item)
    return outline.title, outline.blocks


def _docx_item(outline: Outline, item: Paragraph | Table) -> None:
    if isinstance(item, Table):
        for row in _table_rows(item):
            outline.add(row)
        return
    text = " ".join(item.text.split())
    level, is_title = _docx_heading(item)
    if is_title and outline.title is None:
        outline.title = text or None
    elif level is not None:
        outline.heading(level, text)
    elif text:
        outline.add(f"- {text}" if _is_list(item) else text)


def _docx_heading(paragraph: Paragraph) -> tuple[int | None, bool]:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name.strip().lower() in _DOCX_TITLE:
        return None, True
    match = _DOCX_HEADING.match(name.strip())
    return (min(int(match.group(1)), 4), False) if match else (None, False)


def _is_list(paragraph: Paragraph) -> bool:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    properties = paragraph._p.pPr  # numbering properties mark a list item in any style
    return name.lower().startswith("list") or (properties is not None and properties.numPr is not None)


def _table_rows(table: Table) -> list[str]:
    rows = []
    for row in table.rows:
        cells = [" ".join(cell.text.split()) for cell in row.cells]
        rows.append(" | ".join(dict.fromkeys(cell for cell in cells if cell)))
    return [row for row in rows if row]
