"""`remm-bot report weekly|monthly|followup|experiments` on a database prepared beforehand."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app import build_services
from bot.cli import app
from bot.domain.nudges import OutcomeChoice
from bot.sample_loader import load_sample
from bot.settings import Settings
from storage.database import Database
from storage.migrate import upgrade
from tests.fakes.clock import FakeClock
from tests.reports.conftest import IN_WEEK_10, JONAS, Builder

runner = CliRunner()


async def _prepare(url: str) -> None:
    database = Database.open(url)
    try:
        await upgrade(database)
        clock = FakeClock(IN_WEEK_10)
        services = build_services(Settings.from_env({}), database, clock=clock)
        organisation, _ = await load_sample(services)
        build = Builder(services, organisation, clock)
        await build.trip(JONAS, date(2026, 3, 4), source="import")
        await build.trip(JONAS, date(2026, 3, 5), km=120, mode="car_petrol")
        for variant, choice in (("A", OutcomeChoice.DIGITAL), ("B", OutcomeChoice.TRAVEL_ANYWAY)):
            nudge = await build.nudge(JONAS, date(2026, 3, 4), variant=variant)
            await build.choose(JONAS, nudge, choice, reason="other")
    finally:
        await database.close()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{folder}/remm.db"
    asyncio.run(_prepare(url.replace("sqlite://", "sqlite+aiosqlite://")))
    return {"DATABASE_URL": url, "LOG_LEVEL": "WARNING"}


def test_weekly_prints_a_managers_summary_and_writes_its_chart(env: dict[str, str], tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    result = runner.invoke(
        app,
        [
            "report",
            "weekly",
            "--unit",
            "lena.oberg@mhs.example.se",
            "--week",
            "2026-W10",
            "--chart",
            str(chart),
        ],
        env=env,
    )
    english = runner.invoke(app, ["report", "weekly", "--week", "2026-W10", "--lang", "en"], env=env)

    assert result.exit_code == 0, result.stderr
    assert "Veckosammanfattning 2026-W10: din enhet (5 personer)" in result.stdout
    assert "Resor gjorda: 3 (1 under 100 km, 2 från 100 km)" in result.stdout
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert english.exit_code == 0 and "Weekly summary 2026-W10: your unit (60 people)" in english.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["weekly", "--week", "2026-W60"], "2026 has no week 60"),
        (["weekly", "--week", "next"], "not an ISO week"),
        (["weekly", "--lang", "de"], "--lang must be sv or en"),
        (["weekly", "--unit", "jonas.lundmark@mhs.example.se"], "has no reports"),
        (["followup", "--year", "2999"], "is in the future"),
        (["followup", "--year", "1999"], "before 2000"),
        (["followup", "--year", "2025", "--format", "xml"], "--format must be md, csv or json"),
        (["followup", "--year", "2024", "--baseline-year", "2025"], "comes after --year"),
        (["experiments", "--since", "yesterday"], "--since must be a date"),
        (["monthly", "--person", "nobody@mhs.example.se"], "nobody with the email"),
    ],
)
def test_bad_input_exits_with_2_and_says_what(
    env: dict[str, str], arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, ["report", *arguments], env=env)

    assert result.exit_code == 2
    assert message in result.stderr


def test_followup_as_json_and_csv(env: dict[str, str]) -> None:
    as_json = runner.invoke(app, ["report", "followup", "--year", "2026", "--format", "json"], env=env)
    as_csv = runner.invoke(app, ["report", "followup", "--year", "2026", "--format", "csv"], env=env)

    assert as_json.exit_code == 0 and as_csv.exit_code == 0
    data = json.loads(as_json.stdout)
    assert data["year"] == 2026 and data["indicators"]["trips_under_100"]["value"] == 1.0
    assert (
        as_csv.stdout.splitlines()[0]
        == "section,key,mode,value,per_fte,baseline_year,baseline_per_fte,change_percent"
    )


def test_experiments_and_monthly(env: dict[str, str]) -> None:
    experiments = runner.invoke(app, ["report", "experiments", "--format", "json"], env=env)
    monthly = runner.invoke(
        app, ["report", "monthly", "--person", "jonas.lundmark@mhs.example.se", "--month", "2026-03"], env=env
    )

    assert experiments.exit_code == 0
    variants = {
        v["variant"]: (v["delivered"], v["converted"]) for v in json.loads(experiments.stdout)["variants"]
    }
    assert variants == {"A": (1, 1), "B": (1, 0)}
    assert monthly.exit_code == 0 and "Din månad med remm-bot: mars 2026" in monthly.stdout
