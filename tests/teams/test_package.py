"""`make teams-package`: the manifest filled in, and icons of the sizes Teams requires."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from teams import build

APP_ID = "c9e8c047-2a74-40a2-b28a-b162d5f5327c"


def test_the_package_has_the_manifest_and_two_icons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("PUBLIC_URL", "https://remm.example.se/")
    target = tmp_path / "remm-bot.zip"

    assert build.main(target) == 0

    with zipfile.ZipFile(target) as package:
        manifest = json.loads(package.read("manifest.json"))
        color = Image.open(io.BytesIO(package.read("color.png")))
        outline = Image.open(io.BytesIO(package.read("outline.png")))
        assert json.loads(package.read("sv-se.json"))["name.full"].startswith("remm-bot")
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert tuple(int(p) for p in manifest["manifestVersion"].split(".")) >= (1, 19)
    assert manifest["developer"]["privacyUrl"] == "https://remm.example.se/"
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    assert color.size == (192, 192) and outline.size == (32, 32)
    assert outline.getpixel((0, 0))[3] == 0  # transparent around a white glyph
    assert {outline.getpixel((x, 16))[:3] for x in range(32) if outline.getpixel((x, 16))[3]} == {
        (255, 255, 255)
    }


def test_the_package_needs_an_app_id_and_a_public_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "not-a-guid")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setattr(build, "HERE", tmp_path)  # no .env there

    assert build.main(tmp_path / "remm-bot.zip") == 2
    assert not (tmp_path / "remm-bot.zip").exists()
