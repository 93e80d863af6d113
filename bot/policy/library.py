"""The organisation's policy library: its stored documents, an index built from them, answers and feedback.

The index is a per-process cache keyed by the documents' stamp, so every process rebuilds it from the
database alike and a re-import is seen everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.domain.organisations import Organisation
from bot.i18n import Locale
from bot.policy.answer import answer_question
from bot.policy.index import PolicyIndex
from bot.policy.model import PolicyAnswer, PolicyContact, PolicyDocument


class PolicyStore(Protocol):
    async def replace(
        self, organisation_id: int, documents: Sequence[PolicyDocument], *, now: datetime
    ) -> tuple[int, int]: ...

    async def current(self, organisation_id: int) -> list[PolicyDocument]: ...

    async def stamp(self, organisation_id: int) -> str: ...

    async def record_feedback(
        self, *, organisation_id: int, person_id: int, answer_id: str, helpful: bool, now: datetime
    ) -> None: ...


def contact_of(settings: Mapping[str, Any]) -> PolicyContact | None:
    """The organisation's responsible contact (REMM step 8), from ``settings.support_contact``."""
    raw = settings.get("support_contact") or {}
    try:
        return PolicyContact(
            name=str(raw.get("name", "")),
            role=str(raw.get("role", "")),
            email=raw.get("email"),
            channel=raw.get("channel"),
        )
    except ValueError:
        return None


class PolicyLibrary:
    def __init__(self, store: PolicyStore) -> None:
        self._store = store
        self._indexes: dict[int, tuple[str, PolicyIndex]] = {}

    async def index(self, organisation: Organisation) -> PolicyIndex:
        stamp = await self._store.stamp(organisation.id)
        cached = self._indexes.get(organisation.id)
        if cached is None or cached[0] != stamp:
            cached = (stamp, PolicyIndex.build(await self._store.current(organisation.id)))
            self._indexes[organisation.id] = cached
        return cached[1]

    async def answer(self, organisation: Organisation, question: str, locale: Locale) -> PolicyAnswer:
        """Raises PolicyQuestionError for an empty, over-long or word-less question."""
        index = await self.index(organisation)
        return answer_question(index, question, locale=locale, contact=contact_of(organisation.settings))

    async def import_documents(
        self, organisation: Organisation, documents: Sequence[PolicyDocument], *, now: datetime
    ) -> tuple[int, int]:
        return await self._store.replace(organisation.id, documents, now=now)

    async def feedback(
        self, organisation: Organisation, person_id: int, answer_id: str, helpful: bool, *, now: datetime
    ) -> None:
        await self._store.record_feedback(
            organisation_id=organisation.id,
            person_id=person_id,
            answer_id=answer_id,
            helpful=helpful,
            now=now,
        )
