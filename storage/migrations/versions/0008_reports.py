"""report charts, the shared media secret, report subscriptions and the reports' indexes

Revision ID: 0008_reports
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.columns

revision: str = "0008_reports"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_secrets",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("created_at", storage.columns.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "report_charts",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", storage.columns.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_charts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_charts_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_charts_created_at"), ["created_at"], unique=False)
    op.create_table(
        "report_subscriptions",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("monthly_summary", sa.Boolean(), nullable=False),
        sa.Column("updated_at", storage.columns.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    with op.batch_alter_table("report_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_subscriptions_organisation_id"), ["organisation_id"], unique=False
        )
    op.create_index(
        "ix_trips_reports_source",
        "trips",
        ["organisation_id", "source", "departure_date", "person_id", "travellers", "status"],
        unique=False,
    )
    op.create_index("ix_nudges_reports_created", "nudges", ["organisation_id", "created_at"], unique=False)
    op.create_index(
        "ix_nudges_reports_choice", "nudges", ["organisation_id", "choice", "trip_date", "trip_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_nudges_reports_choice", table_name="nudges")
    op.drop_index("ix_nudges_reports_created", table_name="nudges")
    op.drop_index("ix_trips_reports_source", table_name="trips")
    with op.batch_alter_table("report_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_subscriptions_organisation_id"))
    op.drop_table("report_subscriptions")
    with op.batch_alter_table("report_charts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_charts_created_at"))
        batch_op.drop_index(batch_op.f("ix_report_charts_organisation_id"))
    op.drop_table("report_charts")
    op.drop_table("report_secrets")
