"""``parse_document``: one file (a path or its bytes) into a PolicyDocument, whatever its format."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from bot.i18n import Locale
from bot.policy.analysis import guess_language
from bot.policy.blocks import Block, make_passages
from bot.policy.model import PolicyDocument, PolicyImportError
from bot.policy.parse_markup import parse_html, parse_markdown, parse_text
from bot.policy.parse_office import parse_docx, parse_pdf

# A parser returns the title it found (or None) and the blocks in reading order.
Parser = Callable[[bytes, str], tuple[str | None, list[Block]]]

_BY_MEDIA_TYPE: dict[str, Parser] = {
    "text/markdown": parse_markdown,
    "text/x-markdown": parse_markdown,
    "text/plain": parse_text,
    "text/html": parse_html,
    "application/xhtml+xml": parse_html,
    "application/pdf": parse_pdf,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": parse_docx,
}
_BY_SUFFIX: dict[str, Parser] = {
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".txt": parse_text,
    ".text": parse_text,
    ".html": parse_html,
    ".htm": parse_html,
    ".pdf": parse_pdf,
    ".docx": parse_docx,
}
SUPPORTED_SUFFIXES = frozenset(_BY_SUFFIX)


def parse_document(
    source: Path | bytes,
    *,
    name: str | None = None,
    media_type: str | None = None,
    lang: Locale | None = None,
) -> PolicyDocument:
    """Parse Markdown, plain text, HTML, PDF or DOCX; raises PolicyImportError naming the file.

    ``name`` is the file name or URL shown in citations (default: the path's name); the format comes
    from ``media_type`` or else from the name's suffix; ``lang`` is guessed from the text if not given.
    """
    label = name or (source.name if isinstance(source, Path) else "document")
    parser = _parser_for(label, media_type)
    raw = _read(source, label)
    if not raw.strip():
        raise PolicyImportError("empty", label)
    found_title, blocks = parser(raw, label)
    title = found_title or _title_from_name(label)
    passages = make_passages(
        document_id(label), [Block(_without_title(b.heading_path, title), b.text) for b in blocks]
    )
    if not passages:
        raise PolicyImportError("empty", label)
    language = lang or guess_language(" ".join(passage.text for passage in passages[:20]))
    return PolicyDocument(
        document_id(label), title, label, language, passages, hashlib.sha256(raw).hexdigest()
    )


def document_id(name: str) -> str:
    """A stable id from the name: lower case ASCII words joined by dashes, folders kept."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9./]+", "-", folded).strip("-") or "document"


def _parser_for(label: str, media_type: str | None) -> Parser:
    if media_type:
        parser = _BY_MEDIA_TYPE.get(media_type.split(";")[0].strip().lower())
    else:
        parser = _BY_SUFFIX.get(PurePosixPath(label.split("?")[0]).suffix.lower())
    if parser is None:
        raise PolicyImportError("unsupported_type", label, media_type or PurePosixPath(label).suffix)
    return parser


def _read(source: Path | bytes, label: str) -> bytes:
    if isinstance(source, bytes):
        return source
    try:
        return source.read_bytes()
    except FileNotFoundError:
        raise PolicyImportError("not_found", label) from None
    except OSError as error:
        raise PolicyImportError("unparseable", label, error.strerror or "unreadable") from None


def _title_from_name(label: str) -> str:
    stem = PurePosixPath(label.split("?")[0]).stem
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or label


def _without_title(path: tuple[str, ...], title: str) -> tuple[str, ...]:
    """Most documents repeat their title as the first heading; citations show the title anyway."""
    return path[1:] if path and path[0] == title else path
