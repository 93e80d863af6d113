"""Servers the benchmarks start on loopback: a free port to give one, and waiting until it is ready.

Imported as `bench.serving`: the scripts put the repository on sys.path before their own imports.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time

import aiohttp


def free_port() -> int:
    """A port nothing listens on now (the OS picks it), for a server started next."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_ready(
    url: str, *, server: subprocess.Popen[bytes] | None = None, seconds: float = 120.0
) -> None:
    """Until ``url`` (`/readyz`, or any page a server answers once up) answers 200; fails at once when
    the ``server`` process has exited."""
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if server is not None and server.poll() is not None:
                raise RuntimeError(f"the server exited with {server.returncode}")
            try:
                async with session.get(url) as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} never became ready")
