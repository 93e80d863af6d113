"""Campaigns, their recipients and responses; sending writes recipients and outbox rows in bulk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.campaigns.answers import Answer, AnswerKind
from bot.campaigns.metrics import RecipientStatus
from bot.campaigns.model import (
    Audience,
    Buttons,
    Campaign,
    CampaignDraft,
    CampaignStatus,
    Variant,
    Wording,
    outbox_key,
    preview_key,
    reminder_key,
)
from bot.campaigns.plan import Planned
from bot.campaigns.ports import Cards, Preview, Recipient
from bot.domain.delivery import OutboxKind, OutboxState
from storage.campaign_figures import recipient_statuses
from storage.columns import UtcDateTime
from storage.database import Database, insert_for
from storage.outbox import enqueue, withdraw
from storage.tables import OutboxRow, PreferenceRow
from storage.tables_campaigns import CampaignRecipientRow, CampaignRow


class SqlCampaigns:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def create(
        self, organisation_id: int, draft: CampaignDraft, *, created_by: int, now: datetime, preview: Preview
    ) -> Campaign:
        async with self._db.transaction() as session:
            row = CampaignRow(
                organisation_id=organisation_id,
                title=draft.title,
                content=_content(draft),
                audience=draft.audience.to_dict(),
                send_at=draft.send_at,
                reminder_days=draft.reminder_days,
                status=CampaignStatus.DRAFT.value,
                created_by_id=created_by,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            campaign = _campaign(row)
            await enqueue(
                session,
                organisation_id=organisation_id,
                person_id=preview.person_id,
                key=preview_key(campaign.id),
                kind=OutboxKind.CAMPAIGN,
                channel=preview.channel,
                message=preview.compose(campaign),
                due_at=preview.due_at,
            )
        return campaign

    async def by_id(self, campaign_id: int) -> Campaign | None:
        async with self._db.session() as session:
            row = await session.get(CampaignRow, campaign_id)
        return _campaign(row) if row else None

    async def recent(self, organisation_id: int, *, limit: int) -> Sequence[Campaign]:
        query = (
            select(CampaignRow)
            .where(CampaignRow.organisation_id == organisation_id)
            .order_by(CampaignRow.id.desc())
            .limit(limit)
        )
        async with self._db.session() as session:
            return [_campaign(row) for row in (await session.execute(query)).scalars()]

    async def set_status(self, campaign_id: int, status: CampaignStatus, *, now: datetime) -> None:
        values: dict[str, Any] = {"status": status.value}
        if status is CampaignStatus.SENT:
            counted = select(func.count()).where(CampaignRecipientRow.campaign_id == campaign_id)
            values |= {"sent_at": now, "recipients": counted.scalar_subquery()}
        async with self._db.transaction() as session:
            await session.execute(update(CampaignRow).where(CampaignRow.id == campaign_id).values(**values))

    async def queue(
        self, campaign: Campaign, batch: Sequence[Planned], cards: Cards, *, now: datetime
    ) -> int:
        """One transaction: the recipient rows, then their outbox rows, each ``ON CONFLICT DO NOTHING``.

        The outbox rows are copied from the recipient rows inside the database, one ``INSERT ... SELECT``
        per card (variant, language, reminder or not): a card is serialised once, not once per person."""
        if not batch:
            return 0
        recipients = [_recipient_values(campaign, p) for p in batch]
        async with self._db.transaction() as session:
            connection = await session.connection()
            insert = insert_for(session)
            statement = insert(_RECIPIENTS).on_conflict_do_nothing().returning(_RECIPIENTS.c.id)
            added = [row.id for row in (await connection.execute(statement, recipients)).all()]
            if not added:
                return 0  # all queued before: their outbox rows were written with them
            # An id range, not an IN list: PostgreSQL compares a list of parameters row by row.
            ids = (min(added), max(added))
            for (variant, locale, reminder), card in cards.items():
                rows = _outbox_copy(campaign, variant, locale, reminder, card.to_dict(), ids, now)
                await connection.execute(insert(_OUTBOX).from_select(_COPIED, rows).on_conflict_do_nothing())
        return len(added)

    async def locale_overrides(self, organisation_id: int) -> Mapping[int, str]:
        query = select(PreferenceRow.person_id, PreferenceRow.locale).where(
            PreferenceRow.organisation_id == organisation_id, PreferenceRow.locale.is_not(None)
        )
        async with self._db.session() as session:
            return {row.person_id: row.locale for row in (await session.execute(query)).all()}

    async def recipient(self, campaign_id: int, person_id: int) -> Recipient | None:
        async with self._db.session() as session:
            row = await _recipient_row(session, campaign_id, person_id)
        return _recipient(row) if row else None

    async def record(
        self, recipient: Recipient, answer: Answer, *, responded: bool, now: datetime
    ) -> Recipient:
        stamp = literal(now, UtcDateTime())  # typed, so SQLite gets naive UTC like every other column
        first = {
            AnswerKind.IN: "im_in_at",
            AnswerKind.LINK: "link_clicked_at",
        }
        values: dict[str, Any] = {"survey_score": answer.score, "survey_at": now}
        if answer.kind in first:
            column = first[answer.kind]
            values = {column: func.coalesce(getattr(CampaignRecipientRow, column), stamp)}
        if responded:
            values["responded_at"] = func.coalesce(CampaignRecipientRow.responded_at, stamp)
        async with self._db.transaction() as session:
            await session.execute(
                update(CampaignRecipientRow)
                .where(
                    CampaignRecipientRow.campaign_id == recipient.campaign_id,
                    CampaignRecipientRow.person_id == recipient.person_id,
                )
                .values(**values)
            )
            if responded:
                key = reminder_key(recipient.campaign_id, recipient.variant)
                await withdraw(session, person_id=recipient.person_id, key=key, now=now)
            row = await _recipient_row(session, recipient.campaign_id, recipient.person_id)
        assert row is not None
        return _recipient(row)

    async def statuses(self, campaign_id: int) -> Sequence[RecipientStatus]:
        return await recipient_statuses(self._db, campaign_id)


def _outbox_copy(
    campaign: Campaign,
    variant: Variant,
    locale: str,
    reminder: bool,
    payload: dict[str, Any],
    ids: tuple[int, int],
    now: datetime,
) -> Any:
    """The outbox rows for one card, selected from this batch's recipient rows (what ``enqueue`` writes).

    ``ids`` spans the recipient rows this batch added; a row of the same campaign in that span added by
    another process is harmless: its outbox row exists already or is added once (ON CONFLICT)."""
    r = _RECIPIENTS.c
    key = (reminder_key if reminder else outbox_key)(campaign.id, variant)
    stamp = literal(now, UtcDateTime())
    query = select(
        r.organisation_id,
        r.person_id,
        literal(key, String()),
        literal(OutboxKind.CAMPAIGN.value, String()),
        r.channel,
        literal(payload, JSON()),
        literal(OutboxState.QUEUED.value, String()),
        literal(0, Integer()),
        r.reminder_at if reminder else r.due_at,
        literal(0, Integer()),
        stamp,
        stamp,
    ).where(r.campaign_id == campaign.id, r.id.between(*ids), r.variant == variant.value, r.locale == locale)
    return query.where(r.reminder_at.is_not(None)) if reminder else query


_RECIPIENTS: Any = CampaignRecipientRow.__table__
_OUTBOX: Any = OutboxRow.__table__
_COPIED = [
    "organisation_id", "person_id", "key", "kind", "channel", "payload", "state", "attempts",
    "next_attempt_at", "redelivered", "created_at", "updated_at",
]  # fmt: skip


def _recipient_values(campaign: Campaign, planned: Planned) -> dict[str, Any]:
    return {
        "campaign_id": campaign.id,
        "organisation_id": campaign.organisation_id,
        "person_id": planned.person_id,
        "variant": planned.variant.value,
        "channel": planned.channel,
        "locale": planned.locale,
        "due_at": planned.due_at,
        "reminder_at": planned.reminder_at,
    }


async def _recipient_row(
    session: AsyncSession, campaign_id: int, person_id: int
) -> CampaignRecipientRow | None:
    query = select(CampaignRecipientRow).where(
        CampaignRecipientRow.campaign_id == campaign_id, CampaignRecipientRow.person_id == person_id
    )
    return (await session.execute(query)).scalar()


def _recipient(row: CampaignRecipientRow) -> Recipient:
    return Recipient(
        campaign_id=row.campaign_id,
        person_id=row.person_id,
        variant=Variant(row.variant),
        link_clicked=row.link_clicked_at is not None,
        im_in=row.im_in_at is not None,
        survey=row.survey_score,
        responded=row.responded_at is not None,
    )


def _content(draft: CampaignDraft) -> dict[str, Any]:
    wording = {Variant.A.value: draft.wording.to_dict()}
    if draft.variant_b is not None:
        wording[Variant.B.value] = draft.variant_b.to_dict()
    return {"wording": wording, "buttons": draft.buttons.to_dict()}


def _campaign(row: CampaignRow) -> Campaign:
    assert row.id is not None
    wording = row.content["wording"]
    variant_b = wording.get(Variant.B.value)
    return Campaign(
        id=row.id,
        organisation_id=row.organisation_id,
        title=row.title,
        wording=Wording.from_dict(wording[Variant.A.value]),
        variant_b=Wording.from_dict(variant_b) if variant_b else None,
        audience=Audience.from_dict(row.audience),
        buttons=Buttons.from_dict(row.content["buttons"]),
        status=CampaignStatus(row.status),
        created_at=row.created_at,
        send_at=row.send_at,
        reminder_days=row.reminder_days,
        created_by=row.created_by_id,
        sent_at=row.sent_at,
        recipients=row.recipients,
    )
