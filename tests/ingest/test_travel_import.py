"""`remm-bot travel import`: Swedish and English exports, CSV and Excel, all or nothing, idempotent."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from typer.testing import CliRunner

from bot.cli import app
from storage.tables import OfficeRow, PersonRow, TripRow
from tests.ingest.conftest import rows_of

runner = CliRunner()

SWEDISH_CSV = """\
Bokningsnummer;Avresedatum;Hemresa;Från;Till;Färdsätt;Resenär;Kostnad (kr);Antal
B-1;2025-03-04;2025-03-05;Stockholm;Luleå;Flyg;sofia.akesson@mhs.example.se;4 250,00;1
B-2;2025-03-10;;Göteborg;Malmö;Tåg;maja.nordin@mhs.example.se;;1
B-3;2025-04-01;2025-04-01;Sthlm;Uppsala;bil;;;2
B-4;2025-05-12;;;Umeå;tåg;sofia.akesson@mhs.example.se;;1
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_swedish_csv_export_is_imported_with_estimates_where_figures_are_missing(
    env: dict[str, str], tmp_path: Path
) -> None:
    file = write(tmp_path, "resor.csv", SWEDISH_CSV, encoding="cp1252")

    result = runner.invoke(app, ["travel", "import", str(file)], env=env)

    assert result.exit_code == 0, result.stderr
    assert "4 rows read; 4 trips imported (4 new, 0 updated), 4 estimated" in result.stdout
    assert "baseline: 2025-03-04 to 2025-05-12, 4 trips" in result.stdout
    trips = {t.source_id: t for t in rows_of(env, TripRow)}
    flight = trips["ref:B-1#1"]
    assert (flight.source, flight.mode, flight.origin_name, flight.destination_name) == (
        "import",
        "flight",
        "Stockholm",
        "Luleå",
    )
    assert (str(flight.cost_sek), flight.nights, flight.status, flight.department) == (
        "4250.00",
        1,
        "taken",
        "Planering",
    )
    assert flight.co2e_kg > 100 and flight.distance_km > 1500  # estimated: the export had only the cost
    assert trips["ref:B-3#1"].mode == "car_petrol" and trips["ref:B-3#1"].person_id is None
    assert trips["ref:B-4#1"].origin_name == "Stockholm"  # the traveller's office when the origin is empty


def test_importing_the_same_file_again_updates_instead_of_duplicating(
    env: dict[str, str], tmp_path: Path
) -> None:
    file = write(tmp_path, "resor.csv", SWEDISH_CSV)
    runner.invoke(app, ["travel", "import", str(file)], env=env)

    again = runner.invoke(app, ["travel", "import", str(file)], env=env)

    assert "(0 new, 4 updated)" in again.stdout
    assert len(rows_of(env, TripRow)) == 4


def test_an_english_excel_export_is_imported(env: dict[str, str], tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["Date", "Return date", "Origin", "Destination", "Mode", "Email", "Amount", "Travellers", "CO2e (kg)"]
    )
    sheet.append(
        [
            "2025-06-02",
            "2025-06-03",
            "Malmö",
            "Stockholm",
            "train",
            "maja.nordin@mhs.example.se",
            1890.5,
            2,
            6.4,
        ]
    )
    sheet.append(["2025-06-09", None, "Göteborg", "Luleå", "flight", None, None, 1, None])
    path = tmp_path / "export.xlsx"
    workbook.save(path)

    result = runner.invoke(app, ["travel", "import", str(path)], env=env)

    assert result.exit_code == 0, result.stderr
    trips = rows_of(env, TripRow)
    first = trips[0]
    assert (first.mode, first.travellers, float(first.cost_sek), first.co2e_kg) == (
        "train",
        2,
        1890.5,
        6.4,
    )
    assert trips[1].mode == "flight" and trips[1].return_date is None


def test_rows_with_errors_name_line_and_field_and_nothing_is_imported(
    env: dict[str, str], tmp_path: Path
) -> None:
    text = (
        SWEDISH_CSV + "B-5;2025-13-40;;Stockholm;Umeå;tåg;;;1\nB-6;2025-06-01;;Stockholm;Xyzzyborg;tåg;;;1\n"
    )
    text += "B-7;2025-06-02;;Stockholm;Umeå;raket;;;1\nB-8;2025-06-03;2025-06-01;Stockholm;Umeå;tåg;;;1\n"
    file = write(tmp_path, "resor.csv", text)

    result = runner.invoke(app, ["travel", "import", str(file)], env=env)

    assert result.exit_code == 2
    assert "line 6, departure_date: not a date: '2025-13-40'" in result.stderr
    assert "line 7, destination: No place in Sweden called 'Xyzzyborg'" in result.stderr
    assert "line 8, mode: unknown mode 'raket'" in result.stderr
    assert "line 9, return_date: 2025-06-01 is before the departure 2025-06-03" in result.stderr
    assert "4 of 8 rows have errors; nothing was imported" in result.stderr
    assert rows_of(env, TripRow) == []

    skipped = runner.invoke(app, ["travel", "import", str(file), "--skip-invalid"], env=env)
    assert skipped.exit_code == 0 and "4 rows skipped" in skipped.stdout
    assert len(rows_of(env, TripRow)) == 4


def test_a_column_the_detection_misses_is_mapped_by_hand(env: dict[str, str], tmp_path: Path) -> None:
    file = write(tmp_path, "x.csv", "Dag,Mål,Sätt\n2025-02-03,Umeå,train\n")

    missing = runner.invoke(app, ["travel", "import", str(file)], env=env)
    mapped = runner.invoke(
        app,
        [
            "travel",
            "import",
            str(file),
            "--map",
            "Dag=departure_date",
            "--map",
            "Mål=destination",
            "--map",
            "Sätt=mode",
        ],
        env=env,
    )
    wrong = runner.invoke(app, ["travel", "import", str(file), "--map", "Dag=when"], env=env)

    assert missing.exit_code == 2 and "no column for departure_date, destination" in missing.stderr
    assert mapped.exit_code == 2 and "origin: is empty" in mapped.stderr  # no traveller, so no office either
    assert wrong.exit_code == 2 and "unknown field 'when'" in wrong.stderr


def test_unreadable_files_are_bad_input(env: dict[str, str], tmp_path: Path) -> None:
    empty = write(tmp_path, "empty.csv", "\n\n")
    broken = write(tmp_path, "broken.xlsx", "not a workbook")

    results = [
        runner.invoke(app, ["travel", "import", str(f)], env=env)
        for f in (empty, broken, tmp_path / "no.csv")
    ]

    assert [r.exit_code for r in results] == [2, 2, 2]
    assert "the file is empty" in results[0].stderr
    assert "not a readable Excel workbook" in results[1].stderr
    assert "no such file" in results[2].stderr


def test_people_import_adds_updates_and_creates_offices(env: dict[str, str], tmp_path: Path) -> None:
    text = (
        "E-post;Namn;Kontor;Avdelning;Chef;Titel;Behörighet;Tjänstgöringsgrad;Språk\n"
        "ny.person@mhs.example.se;Ny Person;Sundsvall;Tillsyn;"
        "karin.sjoberg@mhs.example.se;Utredare;;80 %;engelska\n"
        "maja.nordin@mhs.example.se;Maja Nordin;Göteborg;Planering;;Senior rådgivare;samordnare;1;sv\n"
    )
    file = write(tmp_path, "personal.csv", text)

    result = runner.invoke(app, ["people", "import", str(file)], env=env)

    assert result.exit_code == 0, result.stderr
    assert "1 added, 1 updated, 0 deactivated" in result.stdout and "new offices: Sundsvall" in result.stdout
    people = {p.email: p for p in rows_of(env, PersonRow)}
    new = people["ny.person@mhs.example.se"]
    manager = people["karin.sjoberg@mhs.example.se"]
    assert (str(new.fte), new.locale, new.department, new.manager_id) == ("0.80", "en", "Tillsyn", manager.id)
    assert people["maja.nordin@mhs.example.se"].permissions == "coordinator"
    assert "Sundsvall" in {o.name for o in rows_of(env, OfficeRow)}


def test_people_import_with_errors_imports_nothing_not_even_offices(
    env: dict[str, str], tmp_path: Path
) -> None:
    text = (
        "email,name,office,fte,permissions\n"
        "a@mhs.example.se,A,Sundsvall,1,\n"
        "not-an-email,B,Umeå,1,\n"
        "c@mhs.example.se,C,Atlantis,1,\n"
        "d@mhs.example.se,D,Umeå,150,\n"
        "e@mhs.example.se,E,Umeå,1,boss\n"
    )
    file = write(tmp_path, "people.csv", text)
    before = len(rows_of(env, PersonRow)), len(rows_of(env, OfficeRow))

    result = runner.invoke(app, ["people", "import", str(file)], env=env)

    assert result.exit_code == 2
    assert "line 3, email: not an email address" in result.stderr
    assert "line 4, office: no place called 'Atlantis'" in result.stderr
    assert "line 5, fte: must be between 0 and 1" in result.stderr
    assert "line 6, permissions: unknown permission 'boss'" in result.stderr
    assert (len(rows_of(env, PersonRow)), len(rows_of(env, OfficeRow))) == before
