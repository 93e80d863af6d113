"""Neutral messages as plain terminal text: the Markdown subset unwrapped, facts and buttons listed."""

from __future__ import annotations

import re

from bot.messages import Choice, OutgoingMessage

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)]+)\)")


def plain(markdown: str) -> str:
    return _LINK.sub(r"\1 (\2)", _BOLD.sub(r"\1", markdown))


def render_text(message: OutgoingMessage) -> str:
    lines = [plain(message.text)]
    lines += [f"  {fact.label}: {fact.value}" for fact in message.facts]
    if message.context:
        lines.append(f"  ({plain(message.context)})")
    for item in message.inputs:
        if isinstance(item, Choice):
            options = " | ".join(option.label for option in item.options)
            lines.append(f"  {item.label}: {options}")
        else:
            lines.append(f"  {item.label}: ____")
    if message.actions:
        lines.append("  " + "  ".join(f"[{action.label}]" for action in message.actions))
    return "\n".join(lines)
