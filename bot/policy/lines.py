"""Headings and paragraphs from plain lines (plain text files and PDF text layers).

Without markup, a heading is guessed: a numbered line ("2.1 Val av färdsätt") or a short line that
starts with a capital, has no closing punctuation and follows the end of a sentence. Wrapped lines
of one paragraph are joined again; a line ending in a hyphen is joined without a space.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.policy.blocks import Block

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)$")
_BULLET = re.compile(r"^\s*(?:[•·▪◦*–-]|\d{1,2}[.)])\s+")
_PAGE_NUMBER = re.compile(r"^(?:(?:sida|page|s\.)\s*)?\d{1,4}(?:\s*(?:\(|av|of|/)\s*\d{1,4}\)?)?$", re.I)
_CLOSING = (".", ",", ";", ":", "!", "?", "-", "–")


def heading_level(line: str, previous: str | None) -> int | None:
    """1-4 when ``line`` looks like a heading, else None."""
    words = line.split()
    if not words or len(words) > 10 or len(line) > 90 or line.endswith(_CLOSING):
        return None
    numbered = _NUMBERED.match(line)
    if numbered and numbered.group(2)[:1].isupper():
        return min(numbered.group(1).count(".") + 1, 4)
    after_sentence = previous is None or previous.endswith((".", "!", "?", ":"))
    if len(words) <= 6 and line[:1].isupper() and after_sentence and not _BULLET.match(line):
        return 1
    return None


def blocks_from_pages(pages: Iterable[list[str]]) -> list[Block]:
    """Blocks from the lines of each page (blank lines end paragraphs).

    When no line of the whole document looks like a heading, each page's first line is its heading.
    """
    state = _State()
    page_list = [[line.strip() for line in page if not _PAGE_NUMBER.match(line.strip())] for page in pages]
    found_heading = any(_has_heading(page) for page in page_list)
    for page in page_list:
        lines = page
        if not found_heading:
            first = next((number for number, line in enumerate(page) if line), None)
            if first is not None:
                state.heading(page[first], 1)
                lines = page[first + 1 :]
        for line in lines:
            state.feed(line)
        state.flush()
    return state.blocks


def _has_heading(lines: list[str]) -> bool:
    previous: str | None = None
    for line in lines:
        if line and heading_level(line, previous) is not None:
            return True
        previous = line or None
    return False


class _State:
    def __init__(self) -> None:
        self.path: list[tuple[int, str]] = []
        self.lines: list[str] = []
        self.previous: str | None = None
        self.blocks: list[Block] = []

    def feed(self, line: str) -> None:
        if not line:  # a blank line ends a paragraph, as in plain text files
            self.flush()
            self.previous = None
            return
        level = heading_level(line, self.previous)
        if level is not None:
            self.flush()
            self.heading(line, level)
        elif _BULLET.match(line) or (self.previous or "").endswith((".", "!", "?", ":")):
            self.flush()
            self.lines.append(line)
        else:
            self.lines.append(line)
        self.previous = line

    def heading(self, text: str, level: int) -> None:
        self.path = [(lvl, txt) for lvl, txt in self.path if lvl < level]
        self.path.append((level, text))
        self.previous = None

    def flush(self) -> None:
        if self.lines:
            heading_path = tuple(text for _, text in self.path)
            self.blocks.append(Block(heading_path, _join(self.lines)))
            self.lines = []


def _join(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        joined_word = text.endswith("-") and line[:1].islower()
        text = text[:-1] + line if joined_word else f"{text} {line}"
    return text
