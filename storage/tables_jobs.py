"""Scheduled job runs, so that every job fires once per period across processes and restarts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import UtcDateTime


class JobRunRow(SQLModel, table=True):
    """One run of one job for one period ("2026-W48", "2026-11-27"): claimed before the work starts."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job_id", "period", name="uq_job_runs_period"),)
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=100)
    period: str = Field(max_length=40)
    state: str = Field(default="running", max_length=16)
    detail: str = Field(default="", max_length=300)
    started_at: datetime = Field(sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
