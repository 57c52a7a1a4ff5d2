"""The ports tests give the servers they start in other processes (finding 9: "Address
already in use" on a fresh clone).

A port picked by binding port 0 comes from the kernel's ephemeral range, the range every
outgoing connection takes its local port from, so between picking it and the server
binding it a connection can take it. The ports handed out must lie outside that range and
never be handed out twice, in this process or in another test run at the same time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support.processes import ROOT, free_port


def ephemeral_range() -> range:
    lo, hi = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return range(int(lo), int(hi) + 1)


def test_ports_are_outside_the_ephemeral_range_and_never_handed_out_twice():
    ephemeral = ephemeral_range()
    ports = [free_port() for _ in range(200)]
    assert [p for p in ports if p in ephemeral] == []
    assert len(set(ports)) == len(ports)


def run_python(code: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT / "tests")},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_port_another_test_run_holds_is_not_handed_out(tmp_path: Path):
    """Two runs at once (here: two processes limited to the same three ports, sharing a
    lock folder): once the first holds all three, the second gets none of them."""
    env = {"JES_TEST_PORTS": "24000-24002", "JES_TEST_PORT_LOCKS": str(tmp_path)}
    first = run_python(
        "import sys\n"
        "from support.processes import free_port\n"
        "print(*sorted(free_port() for _ in range(3)), flush=True)\n"
        "sys.stdin.read()\n",  # holds its ports until told to finish
        env,
    )
    assert first.stdout is not None and first.stdin is not None
    held = first.stdout.readline().split()
    try:
        assert held == ["24000", "24001", "24002"]
        second = run_python(
            "from support.processes import free_port\nprint(free_port())\n",
            env,
        )
        out, err = second.communicate(timeout=60)
        assert second.returncode != 0, f"the second run got port {out.strip()}"
        assert "no free test port" in err
    finally:
        first.stdin.close()
        first.wait(10)
    # once the first run has ended, its ports are free for the next one
    third = run_python("from support.processes import free_port\nprint(free_port())\n", env)
    out, err = third.communicate(timeout=60)
    assert third.returncode == 0, err
    assert out.strip() in held
