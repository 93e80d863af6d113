"""inbound.lease_until: Graph notifications are claimed from the inbound log with a lease

Revision ID: 0013_inbound_lease
Revises: 0012_outbox_update_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.columns

revision: str = "0013_inbound_lease"
down_revision: str | None = "0012_outbox_update_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", storage.columns.UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
