"""campaigns and their recipients (REMM step 9)

Revision ID: 0009_campaigns
Revises: 0004
Create Date: 2026-11-27 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.columns

revision: str = '0009_campaigns'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('send_at', storage.columns.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reminder_days', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.columns.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', storage.columns.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('campaign_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('variant', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('due_at', storage.columns.UtcDateTime(timezone=True), nullable=False),
    sa.Column('reminder_at', storage.columns.UtcDateTime(timezone=True), nullable=True),
    sa.Column('link_clicked_at', storage.columns.UtcDateTime(timezone=True), nullable=True),
    sa.Column('im_in_at', storage.columns.UtcDateTime(timezone=True), nullable=True),
    sa.Column('survey_score', sa.Integer(), nullable=True),
    sa.Column('survey_at', storage.columns.UtcDateTime(timezone=True), nullable=True),
    sa.Column('responded_at', storage.columns.UtcDateTime(timezone=True), nullable=True),
    sa.Column('delivery', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('delivery_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('reminded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'person_id', name='uq_campaign_recipients_person')
    )
    with op.batch_alter_table('campaign_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_recipients_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('campaign_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_recipients_person_id'))

    op.drop_table('campaign_recipients')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_organisation_id'))

    op.drop_table('campaigns')
