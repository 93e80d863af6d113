"""Job runs and the scheduler's leadership lock."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database, insert_for
from storage.tables_jobs import JobRunRow

log = logging.getLogger(__name__)

# "REMMJOBS" as a 63-bit number: the advisory lock the scheduling process holds.
SCHEDULER_LOCK_ID = 0x52454D4D4A4F4253 & 0x7FFFFFFFFFFFFFFF


class SqlJobRuns:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def claim(self, *, job_id: str, period: str, now: datetime, stale_after: timedelta) -> bool:
        """True when this process may run the job for the period: nobody did, or a run died mid-way."""
        async with self._db.transaction() as session:
            values = {"job_id": job_id, "period": period, "state": "running", "started_at": now}
            inserted = await session.execute(
                insert_for(session)(JobRunRow).values(**values).on_conflict_do_nothing()
            )
            if inserted.rowcount:
                return True
            stale = (
                update(JobRunRow)
                .where(
                    JobRunRow.job_id == job_id,
                    JobRunRow.period == period,
                    JobRunRow.state == "running",
                    JobRunRow.started_at < now - stale_after,
                )
                .values(started_at=now, detail="resumed after an interrupted run")
            )
            return bool((await session.execute(stale)).rowcount)

    async def finish(self, *, job_id: str, period: str, now: datetime, ok: bool, detail: str = "") -> None:
        async with self._db.transaction() as session:
            await session.execute(
                update(JobRunRow)
                .where(JobRunRow.job_id == job_id, JobRunRow.period == period)
                .values(state="done" if ok else "failed", finished_at=now, detail=detail[:300])
            )

    async def last_runs(self, limit: int = 20) -> list[JobRunRow]:
        async with self._db.session() as session:
            query = select(JobRunRow).order_by(JobRunRow.started_at.desc()).limit(limit)
            return list((await session.execute(query)).scalars())


class LeaderLock:
    """The scheduler runs in whichever process holds this lock (design 7), so each job fires once.

    PostgreSQL: a session advisory lock on a connection kept open; it is released if the process dies.
    SQLite is the one-machine set-up with one serving process: it always leads, and the job runs table
    still makes each period run once if a second process is started by mistake.
    """

    def __init__(self, database: Database) -> None:
        self._db = database
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if not self._db.is_postgres:
            return True
        if self._connection is not None:
            return await self._still_held()
        connection = await self._db.engine.connect()
        got = (
            await connection.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": SCHEDULER_LOCK_ID})
        ).scalar()
        if got:
            self._connection = connection
            return True
        await connection.close()
        return False

    async def _still_held(self) -> bool:
        assert self._connection is not None
        try:
            await self._connection.execute(text("SELECT 1"))
        except Exception:  # the connection died, and with it the lock: stand down and let another take it
            log.warning("scheduler lock connection lost")
            self._connection = None
            return False
        return True

    async def release(self) -> None:
        if self._connection is not None:
            try:
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": SCHEDULER_LOCK_ID}
                )
            finally:
                await self._connection.close()
                self._connection = None
