"""Markdown (markdown-it-py), HTML (BeautifulSoup) and plain text into blocks under their headings."""

from __future__ import annotations

from collections.abc import Sequence

from bs4 import BeautifulSoup, Tag
from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.policy.blocks import Block, Outline
from bot.policy.lines import blocks_from_pages, heading_level
from bot.policy.model import PolicyImportError

_HTML_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}
_HTML_BLOCKS = ("p", "li", "tr", "pre", "blockquote", "dd", "dt", "figcaption", *_HTML_HEADINGS)
_HTML_NOISE = ("script", "style", "nav", "header", "footer", "noscript", "form", "template")


def decode(raw: bytes, label: str) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which older Swedish documents often use."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise PolicyImportError("unparseable", label, "binary data in a text document")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_markdown(raw: bytes, label: str) -> tuple[str | None, list[Block]]:
    tokens = MarkdownIt("commonmark").enable("table").parse(decode(raw, label))
    outline = Outline()
    prefixes: list[str] = []
    for number, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            prefixes.append("- " if token.type == "bullet_list_open" else "{}. ")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            prefixes.pop()
        elif token.type == "list_item_open":
            item = prefixes[-1].format(token.info) if prefixes else ""
            _mark_item(tokens, number, item)
        elif token.type == "heading_open":
            outline.heading(int(token.tag[1]), _inline_text(tokens[number + 1]))
        elif token.type == "inline" and tokens[number - 1].type == "paragraph_open":
            outline.add(str(token.meta.get("prefix", "")) + _inline_text(token))
        elif token.type == "tr_open":
            outline.add(" | ".join(_row_cells(tokens, number)))
        elif token.type in ("fence", "code_block"):
            outline.add(token.content)
    return outline.title, outline.blocks


def _mark_item(tokens: Sequence[Token], start: int, prefix: str) -> None:
    """Put the bullet in front of the item's first paragraph, so quotes keep the list shape."""
    for token in tokens[start + 1 :]:
        if token.type == "inline":
            token.meta["prefix"] = prefix
            return


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts).strip()


def _row_cells(tokens: Sequence[Token], start: int) -> list[str]:
    cells: list[str] = []
    for token in tokens[start + 1 :]:
        if token.type == "tr_close":
            break
        if token.type == "inline":
            cells.append(_inline_text(token))
    return [cell for cell in cells if cell]


def parse_html(raw: bytes, label: str) -> tuple[str | None, list[Block]]:
    soup = BeautifulSoup(decode(raw, label), "html.parser")
    for noise in soup.find_all(_HTML_NOISE):
        noise.decompose()
    outline = Outline()
    for element in soup.find_all(_HTML_BLOCKS):
        if not isinstance(element, Tag) or element.find_parent(_HTML_BLOCKS) is not None:
            continue  # a <p> inside an <li>: its text is already in the <li>
        _html_block(outline, element)
    page_title = soup.title.get_text(" ", strip=True) if soup.title else None
    if not outline.blocks:
        body = soup.body or soup
        outline.blocks = blocks_from_pages([body.get_text("\n").split("\n")])
    return outline.title or page_title or None, outline.blocks


def _html_block(outline: Outline, element: Tag) -> None:
    text = " ".join(element.get_text(" ", strip=True).split())
    if element.name in _HTML_HEADINGS:
        outline.heading(_HTML_HEADINGS[element.name], text)
    elif element.name == "li":
        outline.add(f"- {text}")
    elif element.name == "tr":
        cells = [" ".join(cell.get_text(" ", strip=True).split()) for cell in element.find_all(["td", "th"])]
        outline.add(" | ".join(cell for cell in cells if cell))
    else:
        outline.add(text)


def parse_text(raw: bytes, label: str) -> tuple[str | None, list[Block]]:
    lines = decode(raw, label).split("\n")
    first = next((line.strip() for line in lines if line.strip()), "")
    title = first if heading_level(first, None) is not None else None
    return title, blocks_from_pages([lines])
