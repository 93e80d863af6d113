"""A small directory for the pure campaign tests: two offices, three departments, a few time zones."""

from __future__ import annotations

from bot.domain.organisations import Office, Organisation
from bot.domain.people import Permission, Person

ORGANISATION = Organisation(id=1, slug="mhs", name="MHS")
STOCKHOLM = Office(1, 1, "Stockholm", "stockholm", "Stockholm", 59.33, 18.07)
UMEA = Office(2, 1, "Umeå", "umea", "Umeå", 63.83, 20.26)
OFFICES = (STOCKHOLM, UMEA)


def person(
    pid: int, *, department: str = "Planering", office: Office = STOCKHOLM, **fields: object
) -> Person:
    return Person(
        id=pid,
        organisation_id=1,
        email=f"p{pid}@mhs.example.se",
        name=f"Person {pid}",
        office_id=office.id,
        department=department,
        **fields,  # type: ignore[arg-type]
    )


PEOPLE = (
    person(1, job_title="Enhetschef"),
    person(2, office=UMEA, job_title="Utredare"),
    person(3, office=UMEA, job_title="Enhetschef"),
    person(4, department="Analys", job_title="Statistiker"),
    person(5, department="Analys", office=UMEA, job_title="Enhetschef"),
    person(
        6,
        department="Digitalisering",
        job_title="IT-tekniker",
        permissions=frozenset({Permission.COORDINATOR}),
    ),
    person(7, department="Digitalisering", active=False),
)
