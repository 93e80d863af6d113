"""Build teams/remm-bot.zip, the app package to upload to Teams (`make teams-package`).

The manifest gets MICROSOFT_APP_ID (the Azure Bot's app id) and PUBLIC_URL (where the bot is reached) from
the environment or .env; the two icons are drawn here with Pillow: color.png (192x192, full colour) and
outline.png (32x32, white on transparent), as the Teams app package requires.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
GREEN = (31, 122, 77, 255)
WHITE = (255, 255, 255, 255)
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def settings() -> dict[str, str]:
    """The environment wins over .env, as for the bot itself."""
    values: dict[str, str] = {}
    dotenv = HERE.parent / ".env"
    if dotenv.exists():
        for line in dotenv.read_text(encoding="utf-8").splitlines():
            name, sep, value = line.partition("=")
            if sep and not name.strip().startswith("#"):
                values[name.strip()] = value.strip().strip('"')
    values.update({k: v for k, v in os.environ.items() if k in {"MICROSOFT_APP_ID", "PUBLIC_URL"} and v})
    return values


def check(values: dict[str, str]) -> list[str]:
    problems = []
    if not GUID.match(values.get("MICROSOFT_APP_ID", "")):
        problems.append("MICROSOFT_APP_ID must be the Azure Bot's app id (a GUID)")
    if not values.get("PUBLIC_URL", "").startswith("https://"):
        problems.append("PUBLIC_URL must be the https:// address the bot is reached at")
    return problems


def glyph(draw: ImageDraw.ImageDraw, size: int, colour: tuple[int, int, int, int], inset: float) -> None:
    """A video camera: a digital meeting instead of the trip."""
    s = size
    body = (s * inset, s * 0.32, s * 0.64, s * 0.68)
    draw.rounded_rectangle(body, radius=s * 0.06, fill=colour)
    draw.polygon([(s * 0.66, s * 0.5), (s * (1 - inset), s * 0.34), (s * (1 - inset), s * 0.66)], fill=colour)


def color_icon() -> bytes:
    image = Image.new("RGBA", (192, 192), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 191, 191), radius=36, fill=GREEN)
    glyph(draw, 192, WHITE, 0.2)
    return png(image)


def outline_icon() -> bytes:
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    glyph(ImageDraw.Draw(image), 32, WHITE, 0.06)
    return png(image)


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def manifest(values: dict[str, str]) -> bytes:
    """${NAME} placeholders filled in (string.Template would trip over "$schema")."""
    filled = (HERE / "manifest.json").read_text(encoding="utf-8")
    filled = filled.replace("${MICROSOFT_APP_ID}", values["MICROSOFT_APP_ID"].lower())
    filled = filled.replace("${PUBLIC_URL}", values["PUBLIC_URL"].rstrip("/"))
    json.loads(filled)  # still valid JSON
    return filled.encode("utf-8")


def main(target: Path = HERE / "remm-bot.zip") -> int:
    values = settings()
    problems = check(values)
    if problems:
        for problem in problems:
            print(f"teams-package: {problem} (set it in the environment or .env)", file=sys.stderr)
        return 2
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", manifest(values))
        package.writestr("sv-se.json", (HERE / "sv-se.json").read_bytes())
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    print(f"teams-package: wrote {target}; upload it in Teams (Apps > Manage your apps)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
