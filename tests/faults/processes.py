"""Waiting on another OS process in the fault suite: on a condition it brings about, never on a timer."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest


def tail(log: Path) -> str:
    """The end of a process's output, for a failure message (the processes log warnings only)."""
    return log.read_text().strip()[-3000:]


async def until(
    ready: Callable[[], Awaitable[bool]],
    process: subprocess.Popen[bytes],
    log: Path,
    *,
    seconds: float,
    poll_seconds: float = 0.01,
) -> None:
    """Wait for a condition the process brings about; fail at once if it died, or after ``seconds``."""
    async with asyncio.timeout(seconds):
        while True:  # bounded by the timeout
            if await ready():
                return
            if process.poll() is not None:
                pytest.fail(f"the process exited early (code {process.returncode}):\n{tail(log)}")
            await asyncio.sleep(poll_seconds)
