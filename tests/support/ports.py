"""Ports for servers that tests start in other processes, which cannot collide.

A port found by binding port 0 comes from the kernel's ephemeral range
(/proc/sys/net/ipv4/ip_local_port_range), the range every outgoing connection takes its
local port from; between finding it and the server binding it, a connection could take it
("Address already in use"). The ports here come from a block outside that range (20000-
29999 unless JES_TEST_PORTS=lo-hi says otherwise), so no outgoing connection ever gets one,
and each is held with an exclusive lock (a lock file per port in a folder every test run on
the machine shares) for as long as this process lives: two runs at once, or two fixtures of
one run, never get the same port. The kernel drops the locks when the process ends, however
it ends.

Servers in the test process itself bind port 0 and report the port they got
(`GrpcServer.port`, `ServiceKit.grpc.port`); this is for child processes, whose addresses
the others must know before they start.
"""

from __future__ import annotations

import fcntl
import os
import random
import socket
import tempfile
import threading
from pathlib import Path

DEFAULT_BLOCK = (20000, 29999)

_held: dict[int, int] = {}  # port -> the descriptor of its lock file, open while we live
_mutex = threading.Lock()


class NoFreePort(RuntimeError):
    pass


def ephemeral_range() -> range:
    try:
        lo, hi = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return range(int(lo), int(hi) + 1)
    except (OSError, ValueError):
        return range(32768, 65536)  # Linux's default and the IANA range together


def candidates() -> list[int]:
    """The block, without the ephemeral range."""
    lo, hi = DEFAULT_BLOCK
    setting = os.environ.get("JES_TEST_PORTS", "").strip()
    if setting:
        first, _, last = setting.partition("-")
        lo, hi = int(first), int(last or first)
    ephemeral = ephemeral_range()
    return [port for port in range(lo, hi + 1) if port not in ephemeral]


def lock_dir() -> Path:
    setting = os.environ.get("JES_TEST_PORT_LOCKS", "").strip()
    path = Path(setting) if setting else Path(tempfile.gettempdir()) / "jes-test-ports"
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        try:  # shared by every user's runs, like /tmp
            path.chmod(0o1777)
        except OSError:
            pass
    return path


def _bindable(port: int) -> bool:
    """Nothing (a server of something else) is bound to it now."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def reserve_port() -> int:
    """A port outside the ephemeral range that no other test run holds, held until this
    process ends."""
    ports = candidates()
    if not ports:
        raise NoFreePort(
            f"no free test port: the block {os.environ.get('JES_TEST_PORTS') or DEFAULT_BLOCK}"
            f" lies inside the ephemeral range {ephemeral_range()}; set JES_TEST_PORTS=lo-hi"
        )
    folder = lock_dir()
    start = random.randrange(len(ports))  # runs at once seldom try the same ports first
    with _mutex:
        for port in ports[start:] + ports[:start]:
            if port in _held:
                continue
            try:
                fd = os.open(folder / f"{port}.lock", os.O_RDONLY | os.O_CREAT, 0o644)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # another run holds it
                os.close(fd)
                continue
            if not _bindable(port):
                os.close(fd)
                continue
            _held[port] = fd
            return port
    raise NoFreePort(
        f"no free test port in {ports[0]}-{ports[-1]} (all held by test runs or in use)"
    )
