"""A person's data: export everything stored about them, or erase it (GDPR articles 15 and 17).

Works over every table with a ``person_id`` column, so a table added later is covered by default.
Erasing deletes personal rows and anonymises the person; the rows that carry statistics (decisions,
outcomes, trips, meeting attendance) stay, tied to an anonymous person, so aggregates stay right.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Table, delete, select, update

from storage.database import Database
from storage.tables import OutcomeRow, PersonRow, SQLModel

# Tables whose rows are statistics: kept on erase (the person becomes anonymous).
STATISTICS: Final = frozenset({"nudges", "outcomes", "trips", "meeting_attendees", "campaign_recipients"})
ERASED_NAME: Final = "Raderad person"


def _person_tables() -> list[Table]:
    return [table for table in SQLModel.metadata.sorted_tables if "person_id" in table.columns]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


async def export_person(database: Database, person_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every stored row about the person, table by table."""
    exported: dict[str, list[dict[str, Any]]] = {}
    async with database.session() as session:
        person = (
            (await session.execute(select(PersonRow.__table__).where(PersonRow.__table__.c.id == person_id)))
            .mappings()
            .all()
        )
        exported["people"] = [{k: _jsonable(v) for k, v in row.items()} for row in person]
        for table in _person_tables():
            rows = (
                (await session.execute(select(table).where(table.c.person_id == person_id))).mappings().all()
            )
            if rows:
                exported[table.name] = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
    return exported


async def erase_person(database: Database, person_id: int, *, now: datetime) -> dict[str, int]:
    """Delete personal rows, clear free text, anonymise the person. Returns rows touched per table."""
    touched: dict[str, int] = {}
    async with database.transaction() as session:
        for table in reversed(_person_tables()):
            if table.name in STATISTICS:
                continue
            result = await session.execute(delete(table).where(table.c.person_id == person_id))
            if result.rowcount:
                touched[table.name] = result.rowcount
        cleared = await session.execute(
            update(OutcomeRow).where(OutcomeRow.person_id == person_id).values(reason_text=None)
        )
        touched["outcomes (free text cleared)"] = cleared.rowcount
        anonymised = await session.execute(
            update(PersonRow)
            .where(PersonRow.id == person_id)
            .values(
                name=ERASED_NAME,
                email=f"erased-{person_id}@erased.invalid",
                job_title="",
                permissions="",
                active=False,
                last_channel=None,
            )
        )
        touched["people (anonymised)"] = anonymised.rowcount
    return touched
