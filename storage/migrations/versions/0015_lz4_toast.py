"""lz4 for the large JSON columns on PostgreSQL (outbox.payload, nudges.estimate, inbound.payload)

Revision ID: 0015_lz4_toast
Revises: 0014_outbox_history_index

A nudge's message and a Slack request's body are often over PostgreSQL's 2 kB threshold, so each row
written is compressed first. With the default pglz that was a tenth of the server's CPU on the path from
a calendar event to an outbox row (perf, bench/nudges.py); lz4 compresses several times faster at about
the same size. Only values written from now on use it; old ones stay readable. A server built without
lz4 keeps pglz. SQLite has no such setting.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_lz4_toast"
down_revision: str | None = "0014_outbox_history_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("outbox", "payload"), ("nudges", "estimate"), ("inbound", "payload"))


def _set(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    methods = bind.execute(
        sa.text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar()
    if method not in (methods or []):
        return
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade() -> None:
    _set("lz4")


def downgrade() -> None:
    _set("pglz")
