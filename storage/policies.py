"""Policy documents per organisation: versioned on re-import, read back whole to build the index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from bot.i18n import normalise_locale
from bot.policy import Passage, PolicyDocument
from storage.database import Database, insert_for
from storage.tables import PolicyDocumentRow, PolicyFeedbackRow, PolicyPassageRow


class SqlPolicies:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def replace(
        self, organisation_id: int, documents: Sequence[PolicyDocument], *, now: datetime
    ) -> tuple[int, int]:
        """Store new versions in one transaction (all or nothing); an unchanged document is left as it is.

        Returns (stored, unchanged)."""
        stored = unchanged = 0
        async with self._db.transaction() as session:
            for document in documents:
                query = select(PolicyDocumentRow).where(
                    PolicyDocumentRow.organisation_id == organisation_id,
                    PolicyDocumentRow.doc_id == document.doc_id,
                    PolicyDocumentRow.current,
                )
                existing = (await session.execute(query)).scalar()
                if existing is not None and existing.content_hash == document.content_hash:
                    unchanged += 1
                    continue
                version = 1
                if existing is not None:
                    existing.current, version = False, existing.version + 1
                row = PolicyDocumentRow(
                    organisation_id=organisation_id,
                    doc_id=document.doc_id,
                    title=document.title,
                    source=document.source,
                    lang=document.lang,
                    content_hash=document.content_hash,
                    version=version,
                    imported_at=now,
                )
                session.add(row)
                await session.flush()
                session.add_all(
                    PolicyPassageRow(
                        document_id=row.id, ordinal=p.ordinal, heading_path=list(p.heading_path), text=p.text
                    )
                    for p in document.passages
                )
                stored += 1
        return stored, unchanged

    async def current(self, organisation_id: int) -> list[PolicyDocument]:
        async with self._db.session() as session:
            query = (
                select(PolicyDocumentRow)
                .where(PolicyDocumentRow.organisation_id == organisation_id, PolicyDocumentRow.current)
                .order_by(PolicyDocumentRow.doc_id)
            )
            rows = list((await session.execute(query)).scalars())
            ids = [row.id for row in rows]
            passages = (
                select(PolicyPassageRow)
                .where(PolicyPassageRow.document_id.in_(ids))
                .order_by(PolicyPassageRow.document_id, PolicyPassageRow.ordinal)
            )
            by_document: dict[int, list[PolicyPassageRow]] = {}
            for passage in (await session.execute(passages)).scalars():
                by_document.setdefault(passage.document_id, []).append(passage)
        return [_document(row, by_document.get(row.id or 0, [])) for row in rows]

    async def stamp(self, organisation_id: int) -> str:
        """Changes whenever the current documents change: the key for a cached index."""
        query = select(func.count(), func.max(PolicyDocumentRow.id)).where(
            PolicyDocumentRow.organisation_id == organisation_id, PolicyDocumentRow.current
        )
        async with self._db.session() as session:
            count, newest = (await session.execute(query)).one()
        return f"{count}:{newest}"

    async def record_feedback(
        self, *, organisation_id: int, person_id: int, answer_id: str, helpful: bool, now: datetime
    ) -> None:
        async with self._db.transaction() as session:
            values = {
                "organisation_id": organisation_id,
                "person_id": person_id,
                "answer_id": answer_id,
                "helpful": helpful,
                "created_at": now,
            }
            statement = insert_for(session)(PolicyFeedbackRow).values(**values)
            statement = statement.on_conflict_do_update(
                index_elements=["person_id", "answer_id"], set_={"helpful": helpful, "created_at": now}
            )
            await session.execute(statement)

    async def feedback(self, organisation_id: int) -> tuple[int, int]:
        """(helpful, not helpful) votes, for the coordinator's figures."""
        query = (
            select(PolicyFeedbackRow.helpful, func.count())
            .where(PolicyFeedbackRow.organisation_id == organisation_id)
            .group_by(PolicyFeedbackRow.helpful)
        )
        async with self._db.session() as session:
            votes = dict((await session.execute(query)).all())
        return int(votes.get(True, 0)), int(votes.get(False, 0))


def _document(row: PolicyDocumentRow, passages: list[PolicyPassageRow]) -> PolicyDocument:
    return PolicyDocument(
        doc_id=row.doc_id,
        title=row.title,
        source=row.source,
        lang=normalise_locale(row.lang),
        passages=tuple(Passage(row.doc_id, p.ordinal, tuple(p.heading_path), p.text) for p in passages),
        content_hash=row.content_hash,
    )
