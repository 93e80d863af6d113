"""outbox (person_id, kind, next_attempt_at): a person's nudge history without their other messages

Revision ID: 0014_outbox_history_index
Revises: 0013_inbound_lease

The nudge engine reads each candidate's nudges of the last weeks on every event (storage/nudge_sql.py,
the states). The unique index (person_id, key, kind) found them only by scanning every outbox row the
person ever had, campaign messages and updates included.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_outbox_history_index"
down_revision: str | None = "0013_inbound_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_person_kind_due", "outbox", ["person_id", "kind", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_person_kind_due", table_name="outbox")
