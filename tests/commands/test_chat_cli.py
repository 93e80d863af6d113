"""`remm-bot chat`: scriptable when standard input is not a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {"DATABASE_URL": f"sqlite:///{tmp_path}/remm.db", "LOG_LEVEL": "WARNING"}


def test_each_line_is_a_message_and_each_reply_is_printed(env: dict[str, str]) -> None:
    result = runner.invoke(
        app,
        ["chat", "--as", "sofia.akesson@mhs.example.se"],
        input="Jag ska till Luleå på torsdag, vi är två\nstatistik\n",
        env=env,
    )

    assert result.exit_code == 0, result.stderr
    assert "Ska du resa till Luleå" in result.stdout
    assert "kg CO2e" in result.stdout and " kr" in result.stdout and " h " in result.stdout
    assert "[Gör det digitalt]" in result.stdout
    assert "Dina senaste 30 dagar" in result.stdout  # the chat estimate counts as a nudge shown


def test_an_unknown_person_is_bad_input(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["chat", "--as", "nobody@example.se"], input="hej\n", env=env)
    assert result.exit_code == 2 and "nobody@example.se" in result.stderr
