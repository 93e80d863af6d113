"""index outbox.update_of_id, so deleting old outbox rows does not scan the table per row

Revision ID: 0012_outbox_update_index
Revises: 0011_merge
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_outbox_update_index"
down_revision: str | None = "0011_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_update_of_id"), ["update_of_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_update_of_id"))
