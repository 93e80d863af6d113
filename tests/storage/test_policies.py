from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.policy import Passage, PolicyDocument
from storage.database import Database
from storage.policies import SqlPolicies
from storage.tables import PolicyDocumentRow
from tests.fakes.builders import organisation_with_people

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _document(text: str, content_hash: str) -> PolicyDocument:
    passage = Passage("resepolicy.md", 0, ("Resepolicy", "Tåg före flyg"), text)
    return PolicyDocument("resepolicy.md", "Resepolicy", "resepolicy.md", "sv", (passage,), content_hash)


async def test_a_re_import_replaces_the_current_version_and_keeps_the_old_for_audit(
    database: Database,
) -> None:
    organisation, _people = await organisation_with_people(database, 1)
    policies = SqlPolicies(database)
    await policies.replace(organisation.id, [_document("Ta tåget under 500 km.", "a" * 64)], now=NOW)
    stamp = await policies.stamp(organisation.id)

    assert await policies.replace(
        organisation.id, [_document("Ta tåget under 600 km.", "b" * 64)], now=NOW
    ) == (1, 0)

    [current] = await policies.current(organisation.id)
    assert current.passages[0].text == "Ta tåget under 600 km."
    assert current.passages[0].heading_path == ("Resepolicy", "Tåg före flyg")
    assert await policies.stamp(organisation.id) != stamp
    async with database.session() as session:
        versions = (await session.execute(select(PolicyDocumentRow.version, PolicyDocumentRow.current))).all()
    assert sorted(versions) == [(1, False), (2, True)]


async def test_an_unchanged_document_is_not_stored_again(database: Database) -> None:
    organisation, _people = await organisation_with_people(database, 1)
    policies = SqlPolicies(database)
    document = _document("Ta tåget.", "c" * 64)
    await policies.replace(organisation.id, [document], now=NOW)

    assert await policies.replace(organisation.id, [document], now=NOW) == (0, 1)


async def test_documents_belong_to_their_organisation(database: Database) -> None:
    first, _ = await organisation_with_people(database, 1, slug="first")
    second, _ = await organisation_with_people(database, 1, slug="second")
    policies = SqlPolicies(database)
    await policies.replace(first.id, [_document("Ta tåget.", "d" * 64)], now=NOW)

    assert await policies.current(second.id) == []


async def test_feedback_is_one_vote_per_person_and_answer(database: Database) -> None:
    organisation, people = await organisation_with_people(database, 2)
    policies = SqlPolicies(database)
    for helpful in (True, False):
        await policies.record_feedback(
            organisation_id=organisation.id,
            person_id=people[0].id,
            answer_id="abc123ef",
            helpful=helpful,
            now=NOW,
        )
    await policies.record_feedback(
        organisation_id=organisation.id, person_id=people[1].id, answer_id="abc123ef", helpful=True, now=NOW
    )

    assert await policies.feedback(organisation.id) == (1, 1)
