"""`remm-bot policy import` and `remm-bot ask` answering from the organisation's stored documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
SAMPLE_SV = Path(__file__).resolve().parents[2] / "bot" / "sample" / "policy" / "sv"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    environment = {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "LOG_LEVEL": "WARNING"}
    assert runner.invoke(app, ["org", "create", "myndigheten"], env=environment).exit_code == 0
    return environment


def test_imported_policy_answers_questions_without_policy_files(env: dict[str, str]) -> None:
    imported = runner.invoke(app, ["policy", "import", str(SAMPLE_SV)], env=env)
    answer = runner.invoke(app, ["ask", "Får jag ta flyget till Malmö?", "--json"], env=env)

    assert imported.exit_code == 0 and "1 stored as new versions" in imported.stdout
    assert answer.exit_code == 0, answer.stderr
    data = json.loads(answer.stdout)
    assert data["passages"][0]["heading"].endswith("tåg före flyg")
    assert "500 km" in data["passages"][0]["text"]


def test_importing_the_same_files_again_stores_nothing_new(env: dict[str, str]) -> None:
    runner.invoke(app, ["policy", "import", str(SAMPLE_SV)], env=env)
    again = runner.invoke(app, ["policy", "import", str(SAMPLE_SV)], env=env)

    assert again.exit_code == 0 and "0 stored as new versions, 1 unchanged" in again.stdout


def test_one_bad_file_means_nothing_is_imported(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "good.md").write_text("# Resor\n\nTa tåget när resan är under 500 km.\n", encoding="utf-8")
    (folder / "empty.md").write_text("   \n", encoding="utf-8")

    result = runner.invoke(app, ["policy", "import", str(folder)], env=env)
    ask = runner.invoke(app, ["ask", "Får jag ta tåget?"], env=env)

    assert result.exit_code == 2 and "empty.md" in result.stderr
    assert ask.exit_code == 2  # no documents were stored


def test_a_question_of_5000_characters_is_refused_clearly(env: dict[str, str]) -> None:
    runner.invoke(app, ["policy", "import", str(SAMPLE_SV)], env=env)
    result = runner.invoke(app, ["ask", "flyg " * 1000], env=env)
    assert result.exit_code == 2 and result.stderr.strip()


def test_the_sample_organisation_answers_from_its_policy_and_names_its_contact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/sample.db", "LOG_LEVEL": "WARNING"}
    assert runner.invoke(app, ["chat"], input="hjälp\n", env=env).exit_code == 0  # loads the sample agency

    found = runner.invoke(app, ["ask", "Vad är milersättningen?"], env=env)
    missing = runner.invoke(app, ["ask", "What is the wifi password?", "--lang", "en"], env=env)

    assert found.exit_code == missing.exit_code == 0
    assert "25 kronor per mil" in found.stdout
    assert missing.stdout.startswith("I don't find this in the policy.")
    assert "resfritt@mhs.example.se" in missing.stdout
