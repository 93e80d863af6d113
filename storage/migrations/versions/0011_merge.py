"""join the area branches (Slack, ingestion, reports, campaigns, job runs) into one line again

Revision ID: 0011_merge
Revises: 0005_slack, 0007_ingest, 0008_reports, 0009_campaigns, 0010_jobs
"""

from collections.abc import Sequence

revision: str = "0011_merge"
down_revision: tuple[str, ...] = ("0005_slack", "0007_ingest", "0008_reports", "0009_campaigns", "0010_jobs")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
