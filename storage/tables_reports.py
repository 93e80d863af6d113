"""Reports: rendered charts (served at /media by any process), the shared signing secret, and people's
report subscriptions (the opt-in personal monthly summary)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from storage.columns import UtcDateTime
from storage.tables import NudgeRow, TripRow


class ReportSecretRow(SQLModel, table=True):
    """A server secret generated once and shared by every process (when WEBHOOK_SECRET is not set)."""

    __tablename__ = "report_secrets"
    name: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UtcDateTime)


class ReportChartRow(SQLModel, table=True):
    """A chart: what to draw (``spec``) and, once drawn, the PNG bytes; the id is stable per unit and week."""

    __tablename__ = "report_charts"
    id: str = Field(primary_key=True, max_length=64)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    png: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_type=UtcDateTime, index=True)


class ReportSubscriptionRow(SQLModel, table=True):
    """A person's choice of summaries for themselves; only the monthly summary so far (off unless chosen)."""

    __tablename__ = "report_subscriptions"
    person_id: int = Field(foreign_key="people.id", primary_key=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    monthly_summary: bool = False
    updated_at: datetime = Field(sa_type=UtcDateTime)


# Indexes the reports need on other areas' tables, declared here so the migration and the metadata agree.
# Imported history by source and date (the baseline period, and its per-person sums read from the index).
REPORT_INDEXES = (
    Index(
        "ix_trips_reports_source",
        TripRow.__table__.c.organisation_id,
        TripRow.__table__.c.source,
        TripRow.__table__.c.departure_date,
        TripRow.__table__.c.person_id,
        TripRow.__table__.c.travellers,
        TripRow.__table__.c.status,
    ),
    # Nudges by when they were decided (the week's nudges, the experiments), and by the choice made: the
    # trips avoided (digital or hybrid, read from the index alone) and the trips made anyway, by date.
    Index("ix_nudges_reports_created", NudgeRow.__table__.c.organisation_id, NudgeRow.__table__.c.created_at),
    Index(
        "ix_nudges_reports_choice",
        NudgeRow.__table__.c.organisation_id,
        NudgeRow.__table__.c.choice,
        NudgeRow.__table__.c.trip_date,
        NudgeRow.__table__.c.trip_id,
    ),
)
