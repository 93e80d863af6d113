"""Scheduled job runs, so that every job fires once per period across processes and restarts."""

from __future__ import annotations
