"""calendar links, sync cursors, event references, iCalendar feeds, webhook replay guard

Revision ID: 0007_ingest
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.columns

revision: str = "0007_ingest"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_UTC = storage.columns.UtcDateTime


def _org() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE")


def _person() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "calendar_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("provider", _TEXT(length=16), nullable=False),
        sa.Column("external_id", _TEXT(length=255), nullable=False),
        sa.Column("mailbox", _TEXT(length=320), nullable=False),
        sa.Column("secret", _TEXT(length=128), nullable=False),
        sa.Column("resource_id", _TEXT(length=255), nullable=True),
        sa.Column("expires_at", _UTC(timezone=True), nullable=False),
        sa.Column("created_at", _UTC(timezone=True), nullable=False),
        _org(),
        _person(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "external_id", name="uq_calendar_links_external"),
    )
    with op.batch_alter_table("calendar_links", schema=None) as batch_op:
        batch_op.create_index("ix_calendar_links_expiry", ["provider", "expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_calendar_links_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calendar_links_person_id"), ["person_id"], unique=False)

    op.create_table(
        "calendar_cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("provider", _TEXT(length=16), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("updated_at", _UTC(timezone=True), nullable=False),
        _org(),
        _person(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "person_id", name="uq_calendar_cursors_person"),
    )
    with op.batch_alter_table("calendar_cursors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_cursors_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "calendar_event_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("provider", _TEXT(length=16), nullable=False),
        sa.Column("mailbox", _TEXT(length=320), nullable=False),
        sa.Column("external_id", _TEXT(length=255), nullable=False),
        sa.Column("event_key", _TEXT(length=255), nullable=False),
        sa.Column("organiser", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _UTC(timezone=True), nullable=False),
        _org(),
        _person(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "mailbox", "external_id", name="uq_calendar_event_refs_copy"),
    )
    with op.batch_alter_table("calendar_event_refs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_calendar_event_refs_key", ["organisation_id", "provider", "event_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_calendar_event_refs_person_id"), ["person_id"], unique=False)

    op.create_table(
        "ics_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("url", _TEXT(length=2000), nullable=False),
        sa.Column("etag", _TEXT(length=255), nullable=True),
        sa.Column("last_modified", _TEXT(length=64), nullable=True),
        sa.Column("seen", sa.JSON(), nullable=False),
        sa.Column("last_polled_at", _UTC(timezone=True), nullable=True),
        sa.Column("last_error", _TEXT(length=300), nullable=True),
        sa.Column("created_at", _UTC(timezone=True), nullable=False),
        _org(),
        _person(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "url", name="uq_ics_feeds_person_url"),
    )
    with op.batch_alter_table("ics_feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ics_feeds_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "webhook_signatures",
        sa.Column("signature", _TEXT(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", _UTC(timezone=True), nullable=False),
        _org(),
        sa.PrimaryKeyConstraint("signature"),
    )
    with op.batch_alter_table("webhook_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_signatures_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_webhook_signatures_seen_at"), ["seen_at"], unique=False)


def downgrade() -> None:
    for table in ("webhook_signatures", "ics_feeds", "calendar_event_refs", "calendar_cursors", "calendar_links"):
        op.drop_table(table)
