"""Is this message a question about the rules rather than a trip to estimate?

"Får jag ta flyget till Malmö?" names a place but asks what the policy allows: the policy engine
answers it (issue 8), not the estimate. Decided by how the question opens and by rule words.
"""

from __future__ import annotations

import re
from typing import Final

_OPENERS: Final = re.compile(
    r"^\s*(får (jag|man|vi)|är det (ok|okej|tillåtet|godkänt)|vad (säger|gäller|står)|när (får|betalas|ska)|"
    r"hur (mycket|bokar|ansöker|gör jag med)|måste (jag|man|vi)|behöver (jag|man|vi) (ansöka|boka|godkänn)|"
    r"may (i|we)|am i allowed|are we allowed|is it (ok|okay|allowed)|can i (claim|book|fly|take)|"
    r"what (does|do|is) the (policy|rule)|when (do|does|is|can)|"
    r"how (much|do i book|do i claim)|do i need to)\b",
    re.IGNORECASE,
)
_RULE_WORDS: Final = re.compile(
    r"\b(policy|policyn|resepolicy\w*|mötespolicy\w*|regel|regler|regeln|riktlinje\w*|"
    r"traktamente\w*|per diem|"
    r"milersättning\w*|mileage|ersättning\w*|allowance|tillåt\w*|allowed|godkänn\w*|attest\w*|approv\w*|"
    r"första klass|first class|business class|hyrbil\w*|rental car|klimatkompens\w*)\b",
    re.IGNORECASE,
)


def is_policy_question(text: str) -> bool:
    return bool(_OPENERS.search(text) or _RULE_WORDS.search(text))
