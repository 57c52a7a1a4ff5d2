"""Starting JES components as separate processes, and waiting for them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

from support.ports import reserve_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(Path(sys.executable))
# How long a platform process may take to become ready. A start takes 10-20 s on a quiet
# machine and over a minute on an oversubscribed one; a process that exits is reported
# at once (wait_for_process), so the long budget only costs time when it is needed.
STARTUP_SECONDS = 240


def free_port() -> int:
    """A port for a server in another process to listen on: outside the ephemeral range and
    held for this test process alone (support.ports). In-process servers bind port 0."""
    return reserve_port()


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def wait_for_process(process: Process, url: str, *, timeout: float = STARTUP_SECONDS) -> None:
    """Until `url` answers 200; TimeoutError at once if the process has ended."""

    def ready() -> bool:
        if not process.alive():
            raise TimeoutError(f"{process.name} ended before it was ready")
        return http_ok(url)

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except TimeoutError:
            raise
        except Exception:  # noqa: S110 - not up yet
            pass
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {process.name}")


def http_ok(url: str) -> bool:
    return requests.get(url, timeout=2).status_code == 200


class Process:
    """One component: `python -m module` or a console script, logging to a file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, like a node dying."""
        if self.popen and self.alive():
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)

    def stop(self, timeout: float = 20) -> None:
        if self.popen and self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JES_")}
    env.update(extra)
    return env
