"""Report bookkeeping: charts and their signing key, queued summaries, monthly-summary subscriptions, and
one person's own figures for a period."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from bot.domain.nudges import OutcomeChoice, PersonFigures
from bot.reports.rows import Digest, Member
from storage.database import Database, insert_for
from storage.report_sql import ReportQueries, delivered_nudges, outbox_row
from storage.tables import NudgeRow, OutboxRow, OutcomeRow, PersonRow
from storage.tables_reports import ReportChartRow, ReportSecretRow, ReportSubscriptionRow

_SECRET_NAME = "media"  # noqa: S105 (the name of a stored secret, not a secret)


class ReportKeeping(ReportQueries):
    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self._key: bytes | None = None

    async def signing_key(self, configured: str) -> bytes:
        """The key for signed media ids: derived from WEBHOOK_SECRET when set, else one random secret
        stored once in the database so that every process signs and checks alike."""
        if self._key is None:
            secret = configured or await self._stored_secret()
            self._key = hmac.new(secret.encode(), b"remm-bot media", hashlib.sha256).digest()
        return self._key

    async def _stored_secret(self) -> str:
        async with self._db.transaction() as session:
            values = {
                "name": _SECRET_NAME,
                "value": secrets.token_urlsafe(48),
                "created_at": datetime.now(UTC),
            }
            await session.execute(
                insert_for(session)(ReportSecretRow).values(**values).on_conflict_do_nothing()
            )
            row = await session.get(ReportSecretRow, _SECRET_NAME)
            assert row is not None
            return row.value

    async def save_charts(
        self, organisation_id: int, charts: Sequence[tuple[str, dict[str, Any]]], *, now: datetime
    ) -> None:
        if not charts:
            return
        rows = [
            {"id": chart_id, "organisation_id": organisation_id, "spec": spec, "png": None, "created_at": now}
            for chart_id, spec in charts
        ]
        async with self._db.transaction() as session:
            await session.execute(insert_for(session)(ReportChartRow).on_conflict_do_nothing(), rows)

    async def chart(self, chart_id: str) -> tuple[int, dict[str, Any], bytes | None] | None:
        async with self._db.session() as session:
            row = await session.get(ReportChartRow, chart_id)
        return (row.organisation_id, dict(row.spec), row.png) if row else None

    async def store_png(self, chart_id: str, png: bytes) -> None:
        async with self._db.transaction() as session:
            await session.execute(update(ReportChartRow).where(ReportChartRow.id == chart_id).values(png=png))

    async def enqueue_digests(self, organisation_id: int, digests: Sequence[Digest], *, now: datetime) -> int:
        """Queue summaries in one statement; a (person, key, kind) already queued is left alone (the outbox's
        unique key), so a rerun or a second process adds nothing. Returns how many were new."""
        if not digests:
            return 0
        rows = [outbox_row(organisation_id, digest, now) for digest in digests]
        async with self._db.transaction() as session:
            insert = insert_for(session)(OutboxRow).on_conflict_do_nothing().returning(OutboxRow.id)
            return len((await session.execute(insert, rows)).all())

    async def set_monthly_summary(self, person_id: int, on: bool, *, now: datetime) -> None:
        """Opt in to (or out of) the personal monthly summary."""
        async with self._db.transaction() as session:
            person = await session.get(PersonRow, person_id)
            if person is None:
                raise LookupError(f"no person with id {person_id}")
            row = await session.get(ReportSubscriptionRow, person_id)
            if row is None:
                row = ReportSubscriptionRow(
                    person_id=person_id, organisation_id=person.organisation_id, updated_at=now
                )
                session.add(row)
            row.monthly_summary, row.updated_at = on, now

    async def monthly_summary(self, person_id: int) -> bool:
        async with self._db.session() as session:
            row = await session.get(ReportSubscriptionRow, person_id)
        return bool(row and row.monthly_summary)

    async def monthly_subscribers(self, organisation_id: int) -> Sequence[Member]:
        members = {m.id: m for m in await self.members(organisation_id)}
        query = select(ReportSubscriptionRow.person_id).where(
            ReportSubscriptionRow.organisation_id == organisation_id, ReportSubscriptionRow.monthly_summary
        )
        ids = [r[0] for r in await self._all(query)]
        return [members[i] for i in sorted(ids) if i in members and members[i].active]

    async def person_figures(self, person_id: int, *, start: datetime, end: datetime) -> PersonFigures:
        """One person's delivered nudges and choices in [start, end)."""
        nudges = delivered_nudges(None).where(
            NudgeRow.person_id == person_id, NudgeRow.created_at >= start, NudgeRow.created_at < end
        )
        choices = (
            select(
                OutcomeRow.choice,
                func.count(),
                func.sum(OutcomeRow.hours_saved),
                func.sum(OutcomeRow.co2e_saved_kg),
                func.sum(OutcomeRow.cost_saved_sek),
            )
            .where(
                OutcomeRow.person_id == person_id, OutcomeRow.created_at >= start, OutcomeRow.created_at < end
            )
            .group_by(OutcomeRow.choice)
        )
        count = int((await self._all(nudges.with_only_columns(func.count())))[0][0])
        rows = await self._all(choices)
        by_choice = {r[0]: int(r[1]) for r in rows}
        return PersonFigures(
            nudges=count,
            digital=by_choice.get(OutcomeChoice.DIGITAL.value, 0),
            hybrid=by_choice.get(OutcomeChoice.HYBRID.value, 0),
            train=by_choice.get(OutcomeChoice.TRAIN.value, 0),
            travelled=by_choice.get(OutcomeChoice.TRAVEL_ANYWAY.value, 0),
            hours_saved=sum(float(r[2] or 0) for r in rows),
            co2e_saved_kg=sum(float(r[3] or 0) for r in rows),
            cost_saved_sek=sum(float(r[4] or 0) for r in rows),
        )
