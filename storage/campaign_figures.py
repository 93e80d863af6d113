"""Campaign figures from storage: each recipient's delivery state and answers.

The final delivery state is copied into the recipient row ("settled") whenever figures are read, and by
``settle_deliveries`` before retention deletes old outbox rows, so the figures stay right for years.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.campaigns.metrics import RecipientStatus
from bot.domain.delivery import OutboxKind, OutboxState
from storage.database import Database
from storage.tables import OutboxRow
from storage.tables_campaigns import CampaignRecipientRow, CampaignRow

_FINAL = (OutboxState.SENT.value, OutboxState.UNREACHABLE.value, OutboxState.FAILED.value)
_SENT = (OutboxState.SENT.value,)
_RECIPIENTS: Any = CampaignRecipientRow.__table__
_OUTBOX: Any = OutboxRow.__table__


async def recipient_statuses(database: Database, campaign_id: int) -> Sequence[RecipientStatus]:
    async with database.transaction() as session:
        await _settle(session, campaign_id)
        rows = (await session.execute(_statuses(campaign_id))).all()
    return [_status(row) for row in rows]


async def settle_deliveries(database: Database) -> int:
    """Copy final delivery states of every sent campaign into its recipient rows; returns rows changed.

    Call before retention deletes old outbox rows, so campaign figures stay right for years."""
    async with database.transaction() as session:
        sent = select(CampaignRow.id).where(CampaignRow.sent_at.is_not(None))
        return sum(
            [await _settle(session, campaign_id) for campaign_id in (await session.execute(sent)).scalars()]
        )


async def _settle(session: AsyncSession, campaign_id: int) -> int:
    r, o = _RECIPIENTS.c, _OUTBOX.c
    prefix = literal(f"campaign:{campaign_id}:", String())

    def final(column: Any, suffix: str = "", states: Sequence[str] = _FINAL) -> Any:
        key = prefix + r.variant + suffix if suffix else prefix + r.variant
        mine = (o.person_id == r.person_id) & (o.kind == OutboxKind.CAMPAIGN.value) & (o.key == key)
        return select(column).where(mine, o.state.in_(states))

    delivered = await session.execute(
        update(_RECIPIENTS)
        .where(r.campaign_id == campaign_id, r.delivery.is_(None), final(o.id).exists())
        .values(
            delivery=final(o.state).scalar_subquery(), delivery_error=final(o.last_error).scalar_subquery()
        )
    )
    reminded = await session.execute(
        update(_RECIPIENTS)
        .where(r.campaign_id == campaign_id, r.reminded.is_(False), final(o.id, ":reminder", _SENT).exists())
        .values(reminded=True)
    )
    return int(delivered.rowcount) + int(reminded.rowcount)


def _statuses(campaign_id: int) -> Any:
    first, reminder = aliased(OutboxRow), aliased(OutboxRow)
    prefix = literal(f"campaign:{campaign_id}:", String)
    recipient = CampaignRecipientRow
    columns = (
        recipient.variant,
        recipient.link_clicked_at,
        recipient.im_in_at,
        recipient.survey_score,
        recipient.responded_at,
        recipient.delivery,
        recipient.delivery_error,
        recipient.reminded,
        first.state,
        first.last_error,
        reminder.state.label("reminder_state"),
    )
    return (
        select(*columns)
        .outerjoin(first, _outbox_of(first, recipient, prefix + recipient.variant))
        .outerjoin(reminder, _outbox_of(reminder, recipient, prefix + recipient.variant + ":reminder"))
        .where(recipient.campaign_id == campaign_id)
    )


def _outbox_of(outbox: Any, recipient: Any, key: Any) -> Any:
    return (
        (outbox.person_id == recipient.person_id)
        & (outbox.kind == OutboxKind.CAMPAIGN.value)
        & (outbox.key == key)
    )


def _status(row: Any) -> RecipientStatus:
    state, error = row.state or row.delivery, row.last_error or row.delivery_error
    if state is None:
        # Recipient and outbox rows are written together, so a missing outbox row was removed later
        # (the person was erased before delivery): they will never get it.
        state, error = OutboxState.UNREACHABLE.value, "removed"
    return RecipientStatus(
        variant=row.variant,
        state=OutboxState(state),
        error=error,
        link_clicked=row.link_clicked_at is not None,
        im_in=row.im_in_at is not None,
        survey=row.survey_score,
        responded=row.responded_at is not None,
        reminded=row.reminded or row.reminder_state == OutboxState.SENT.value,
    )
