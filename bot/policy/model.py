"""Policy documents, passages, answers and the errors the policy engine raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.i18n import Locale

ImportErrorCode = Literal["empty", "unparseable", "no_text_layer", "unsupported_type", "not_found"]
QuestionErrorCode = Literal["empty", "too_long", "no_terms"]


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of a document small enough to quote, with the section headings above it."""

    doc_id: str
    ordinal: int
    heading_path: tuple[str, ...]
    text: str

    @property
    def key(self) -> str:
        return f"{self.doc_id}#{self.ordinal}"


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """One imported document; ``content_hash`` (sha256 of the raw bytes) names its version."""

    doc_id: str
    title: str
    source: str
    lang: Locale
    passages: tuple[Passage, ...]
    content_hash: str


@dataclass(frozen=True, slots=True)
class ScoredPassage:
    """A search hit. ``coverage`` and ``strength`` (both 0..1) feed the answer's confidence;
    ``in_text`` is the share of the question's known words found in the passage's own text rather
    than only in a heading above it."""

    passage: Passage
    document: PolicyDocument
    score: float
    coverage: float
    strength: float
    in_text: float = 1.0

    @property
    def heading(self) -> str:
        return " › ".join(self.passage.heading_path)


@dataclass(frozen=True, slots=True)
class PolicyContact:
    """Who answers what the policy does not (REMM step 8): a name, a role and an email or a channel."""

    name: str
    role: str
    email: str | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        if not (self.email or self.channel):
            raise ValueError("a policy contact needs an email or a channel")

    @property
    def reach(self) -> str:
        return ", ".join(way for way in (self.channel, self.email) if way)


@dataclass(frozen=True, slots=True)
class QuotedPassage:
    document: str
    heading: str
    text: str
    score: float
    source: str
    doc_id: str
    ordinal: int


@dataclass(frozen=True, slots=True)
class PolicyAnswer:
    """The reply to a policy question: only quoted passages, never generated policy text."""

    answer: str
    passages: tuple[QuotedPassage, ...]
    confidence: float
    lang: Locale
    found: bool
    answer_id: str

    def to_json(self) -> dict[str, object]:
        """The ``ask --json`` shape."""
        return {
            "answer": self.answer,
            "passages": [
                {"document": p.document, "heading": p.heading, "text": p.text, "score": round(p.score, 3)}
                for p in self.passages
            ],
            "confidence": round(self.confidence, 3),
            "lang": self.lang,
            "found": self.found,
        }


class PolicyImportError(ValueError):
    """A document could not be imported; ``code`` says why, ``file`` which one."""

    def __init__(self, code: ImportErrorCode, file: str, detail: str = "") -> None:
        self.code: ImportErrorCode = code
        self.file = file
        self.detail = detail
        suffix = f": {detail}" if detail else ""
        super().__init__(f"{file}: {code.replace('_', ' ')}{suffix}")


class PolicyQuestionError(ValueError):
    """A question the engine cannot search for; the chat layer turns ``code`` into a friendly reply."""

    def __init__(self, code: QuestionErrorCode, message: str) -> None:
        self.code: QuestionErrorCode = code
        super().__init__(message)
