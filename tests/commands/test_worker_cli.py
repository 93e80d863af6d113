"""`remm-bot worker` runs below the web processes' CPU priority, so their answers go first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

REMM_BOT = Path(sys.executable).parent / "remm-bot"


def _niceness(pid: int) -> int:
    # /proc/<pid>/stat: the 19th field is the nice value (after the command name in parentheses).
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])


def _worker_niceness(tmp_path: Path, **env: str) -> int:
    database = f"sqlite:///{tmp_path / 'remm.db'}"
    environment = os.environ | {"DATABASE_URL": database, "LOG_LEVEL": "INFO"} | env
    command = [str(REMM_BOT), "worker"]
    with subprocess.Popen(  # noqa: S603 (our own command)
        command, env=environment, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    ) as worker:
        try:
            assert worker.stdout is not None
            for line in worker.stdout:  # up and running once it says so (or stopped: its output ends)
                if "worker delivering the outbox" in line:
                    break
            assert worker.poll() is None, "the worker stopped"
            return _niceness(worker.pid)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.communicate(timeout=30)


def test_a_worker_runs_at_a_lower_priority_than_the_process_that_started_it(tmp_path: Path) -> None:
    assert _worker_niceness(tmp_path) == min(os.nice(0) + 10, 19)


def test_worker_niceness_zero_leaves_the_priority_as_it_was(tmp_path: Path) -> None:
    assert _worker_niceness(tmp_path, WORKER_NICENESS="0") == os.nice(0)
