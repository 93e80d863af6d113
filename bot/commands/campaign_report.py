"""Campaigns as plain text for the terminal: the content, and the figures table."""

from __future__ import annotations

from bot.campaigns.metrics import CampaignFigures, Figures
from bot.campaigns.model import Campaign

OPENED_NOTE = (
    'note: "opened" is not measured: Slack, Teams and the web chat do not tell a bot when a message is '
    "read. clicked = recipients who pressed any button; responded = answered I'm in or the survey (or, "
    "in a campaign with only a link, clicked it)."
)


def describe(campaign: Campaign, when: str) -> str:
    buttons = campaign.buttons
    lines = [
        f'campaign {campaign.id} "{campaign.title}" ({campaign.status.value})',
        f"audience: {', '.join(campaign.audience.terms())}",
        f"sends: {when}",
        f"text (sv): {campaign.wording.sv}",
        f"text (en): {campaign.wording.en}",
    ]
    if campaign.variant_b is not None:
        lines += [f"variant B (sv): {campaign.variant_b.sv}", f"variant B (en): {campaign.variant_b.en}"]
    if buttons.link:
        lines.append(f"link: {buttons.link}")
    if buttons.im_in:
        lines.append("button: I'm in")
    if buttons.survey is not None:
        lines.append(f"survey (1-5): {buttons.survey.sv} | {buttons.survey.en}")
    if campaign.reminder_days:
        lines.append(f"reminder: after {campaign.reminder_days} days to those who did not answer")
    if campaign.sent_at is not None:
        lines.append(
            f"sent: {campaign.sent_at.isoformat(timespec='minutes')} to {campaign.recipients} recipients"
        )
    return "\n".join(lines)


_HEAD = ("variant", "targeted", "delivered", "unreachable", "pending", "clicked", "responded", "im_in",
         "reminded", "survey_n", "survey_mean")  # fmt: skip


def figures_table(figures: CampaignFigures) -> str:
    rows = [_HEAD, *(_cells(row) for row in (*figures.by_variant, figures.total))]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEAD))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    for row in (*figures.by_variant, figures.total):
        lines += _details(row)
    lines.append(OPENED_NOTE)
    return "\n".join(lines)


def _cells(row: Figures) -> tuple[str, ...]:
    mean = f"{row.survey_mean:.2f}" if row.survey_mean is not None else "-"
    counts = (
        row.targeted,
        row.delivered,
        row.unreachable,
        row.pending,
        row.clicked,
        row.responded,
        row.im_in,
    )
    return (row.group, *map(str, counts), str(row.reminded), str(row.survey_answers), mean)


def _details(row: Figures) -> list[str]:
    lines = []
    if row.reasons:
        reasons = ", ".join(f"{reason} {n}" for reason, n in row.reasons)
        lines.append(f"{row.group}: unreachable because: {reasons}")
    if row.survey_shown:
        spread = "  ".join(f"{score}: {n}" for score, n in enumerate(row.survey, start=1))
        lines.append(f"{row.group}: survey answers  {spread}")
    elif row.survey_answers:
        lines.append(
            f"{row.group}: survey distribution hidden: fewer than 5 answers could single someone out"
        )
    return lines
