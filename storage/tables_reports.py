"""Scheduled jobs run once, weekly digests sent, campaigns and their recipients."""

from __future__ import annotations
