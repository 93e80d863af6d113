"""Policy documents: import, index, and answers that quote the passage they come from (issue 8)."""

from bot.policy.answer import CONFIDENCE_THRESHOLD, answer_question
from bot.policy.importer import import_paths
from bot.policy.index import PolicyIndex
from bot.policy.model import (
    Passage,
    PolicyAnswer,
    PolicyContact,
    PolicyDocument,
    PolicyImportError,
    PolicyQuestionError,
    QuotedPassage,
    ScoredPassage,
)
from bot.policy.parse import SUPPORTED_SUFFIXES, parse_document
from bot.policy.query import MAX_QUESTION_CHARS

__all__ = [
    "CONFIDENCE_THRESHOLD",
    "MAX_QUESTION_CHARS",
    "SUPPORTED_SUFFIXES",
    "Passage",
    "PolicyAnswer",
    "PolicyContact",
    "PolicyDocument",
    "PolicyImportError",
    "PolicyIndex",
    "PolicyQuestionError",
    "QuotedPassage",
    "ScoredPassage",
    "answer_question",
    "import_paths",
    "parse_document",
]
