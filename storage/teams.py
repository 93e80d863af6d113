"""Teams accounts: a person found by tenant and Entra object id, with the address kept for proactive sends.

The address lives on the identity row (kind ``teams``, realm = tenant id, external id = aadObjectId); see
``bot/adapters/teams/people.py`` for its shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select

from bot.domain.people import Person
from storage.database import Database
from storage.people import to_person
from storage.tables import IdentityRow, PersonRow

KIND: Final = "teams"


@dataclass(frozen=True, slots=True)
class TeamsContact:
    person: Person
    address: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    last_seen_at: datetime | None = None


class SqlTeamsContacts:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def find(self, *, tenant_id: str, aad_object_id: str) -> TeamsContact | None:
        """The person behind this Teams account and its stored address, in one query."""
        query = (
            select(PersonRow, IdentityRow.address, IdentityRow.last_seen_at)
            .join(IdentityRow, IdentityRow.person_id == PersonRow.id)
            .where(
                IdentityRow.kind == KIND,
                IdentityRow.realm == tenant_id,
                IdentityRow.external_id == aad_object_id,
            )
        )
        async with self._db.session() as session:
            row = (await session.execute(query)).first()
        if row is None:
            return None
        return TeamsContact(to_person(row[0]), dict(row[1] or {}), row[2])

    async def merge_address(self, *, tenant_id: str, aad_object_id: str, changes: dict[str, Any]) -> bool:
        """Add to a stored address (a 1:1 chat the bot just opened); False when the account is gone."""
        query = select(IdentityRow).where(
            IdentityRow.kind == KIND, IdentityRow.realm == tenant_id, IdentityRow.external_id == aad_object_id
        )
        async with self._db.transaction() as session:
            row = (await session.execute(query)).scalar()
            if row is None:
                return False
            row.address = {**(row.address or {}), **changes}
        return True
