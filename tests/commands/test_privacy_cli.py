"""`remm-bot privacy export|erase`: everything about a person out, or gone with the statistics kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
SOFIA = "sofia.akesson@mhs.example.se"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    environment = {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "LOG_LEVEL": "WARNING"}
    # The sample agency, and Sofia asking about a trip: a nudge shown and preferences stored.
    chat = runner.invoke(
        app, ["chat", "--as", SOFIA], input="Jag ska till Luleå på torsdag\n", env=environment
    )
    assert chat.exit_code == 0
    return environment


def test_export_holds_the_person_and_their_rows(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["privacy", "export", "--person", SOFIA], env=env)

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["people"][0]["email"] == SOFIA
    assert data["nudges"][0]["destination_name"] == "Luleå"
    assert data["preferences"][0]["privacy_notice_seen"] is True


def test_erase_removes_personal_data_and_keeps_statistics_anonymous(env: dict[str, str]) -> None:
    erased = runner.invoke(app, ["privacy", "erase", "--person", SOFIA, "--yes"], env=env)
    gone = runner.invoke(app, ["privacy", "export", "--person", SOFIA], env=env)

    assert erased.exit_code == 0, erased.stderr
    assert gone.exit_code == 2 and "no person" in gone.stderr
    # The decision is still counted, tied to an anonymous person.
    anonymous = runner.invoke(
        app, ["privacy", "export", "--person", "erased-" + _id(erased.stdout) + "@erased.invalid"], env=env
    )
    data = json.loads(anonymous.stdout)
    assert data["people"][0]["name"] == "Raderad person" and data["people"][0]["active"] is False
    assert len(data["nudges"]) == 1 and "preferences" not in data


def test_erase_without_confirmation_is_refused(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["privacy", "erase", "--person", SOFIA], env=env)
    still = runner.invoke(app, ["privacy", "export", "--person", SOFIA], env=env)
    assert result.exit_code == 2 and "--yes" in result.stderr
    assert still.exit_code == 0


def _id(output: str) -> str:
    return output.split("erased person ", 1)[1].split(" ", 1)[0]
