"""From parsed blocks (a heading path and a paragraph) to passages of a quotable size.

Parsers emit one block per paragraph, list item or table row. Passages aim at 40-200 words: tiny
blocks are merged with their neighbours in the same section (a heading with a short list becomes
one passage), huge ones are split at sentence ends. Sections are never merged with each other, so
every passage keeps exactly the headings it sits under.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.policy.model import Passage

MIN_WORDS = 40
MAX_WORDS = 200
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[\"'(\[A-ZÅÄÖÉ0-9•-])")


@dataclass(frozen=True, slots=True)
class Block:
    heading_path: tuple[str, ...]
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


def make_passages(doc_id: str, blocks: Iterable[Block]) -> tuple[Passage, ...]:
    merged = _merge(block for raw in blocks for block in _split(raw) if block.text.strip())
    return tuple(
        Passage(doc_id=doc_id, ordinal=number, heading_path=block.heading_path, text=block.text)
        for number, block in enumerate(merged)
    )


def _merge(blocks: Iterable[Block]) -> list[Block]:
    out: list[Block] = []
    for block in blocks:
        last = out[-1] if out else None
        if last is not None and _should_merge(last, block):
            out[-1] = Block(last.heading_path, f"{last.text}\n{block.text}")
        else:
            out.append(block)
    return out


def _should_merge(current: Block, following: Block) -> bool:
    small = current.words < MIN_WORDS or following.words < MIN_WORDS
    same_section = current.heading_path == following.heading_path
    return same_section and small and current.words + following.words <= MAX_WORDS


def _split(block: Block) -> Iterator[Block]:
    """Cut a block longer than MAX_WORDS at sentence ends (at word boundaries for run-on text)."""
    if block.words <= MAX_WORDS:
        yield block
        return
    chunk: list[str] = []
    for sentence in _sentences(block.text):
        if chunk and len(" ".join([*chunk, sentence]).split()) > MAX_WORDS * 3 // 4:
            yield Block(block.heading_path, " ".join(chunk))
            chunk = []
        chunk.append(sentence)
    if chunk:
        yield Block(block.heading_path, " ".join(chunk))


def _sentences(text: str) -> Iterator[str]:
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        for start in range(0, len(words), MAX_WORDS * 3 // 4):
            yield " ".join(words[start : start + MAX_WORDS * 3 // 4])


class Outline:
    """The heading stack while walking a document top to bottom."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []
        self.blocks: list[Block] = []
        self.title: str | None = None

    def heading(self, level: int, text: str) -> None:
        if not text:
            return
        if self.title is None and level == 1:
            self.title = text
        self.stack = [(lvl, txt) for lvl, txt in self.stack if lvl < level] + [(level, text)]

    def add(self, text: str) -> None:
        if text.strip():
            self.blocks.append(Block(tuple(txt for _, txt in self.stack), text.strip()))
