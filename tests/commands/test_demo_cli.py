"""`remm-bot demo`: a believable week ends with a manager summary and the follow-up report."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app


def test_the_demo_replays_a_week_and_ends_with_the_summary_and_the_follow_up(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--database", str(tmp_path / "demo.db")], env={"LOG_LEVEL": "WARNING"}
    )

    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Beslut per person och resa:" in out and "skickas inte, redan bokad" in out
    assert "Ska du resa till" in out and "[Gör det digitalt]" in out
    assert "ändringar kommer in under veckan" in out  # moved, cancelled and changed events are evaluated
    assert "Undvikna resor:" in out
    assert "Veckosammanfattningen till en chef" in out and "Uppföljningen för" in out
    assert "| Digitala möten |" in out


def test_the_demo_refuses_a_database_that_exists(tmp_path: Path) -> None:
    existing = tmp_path / "demo.db"
    existing.write_text("")
    result = CliRunner().invoke(app, ["demo", "--database", str(existing)])
    assert result.exit_code == 2 and "exists already" in result.stderr
