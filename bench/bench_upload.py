"""Uploads through the gateway: photos per second and peak memory of the platform.

Starts `jes run --target=all` (one process: gateway, every service, embedded stores) on
a temporary JES_DATA_DIR and free ports, logs in as the demo firm, opens a photo set and
uploads 12 MP JPEGs (3-5 MB) with POST /api/v1/photo-sets/<id>/photos, with 1 and then
2 uploaders at once. A fresh platform per run, so each peak is that run's own.
Run: `make bench`, or `.venv/bin/python bench/bench_upload.py [--photos N]`.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
from common import jpeg_photos, load_note, summary, table, write_results

from jes_config import SERVICES
from support.processes import PYTHON, Process, base_env, free_port, http_ok, wait_until

FIRM = ("DEMOFIRM", "Demo1234!")
PAGE_SIZE = 4096
TICKS = 100  # clock ticks per second of /proc/<pid>/stat (SC_CLK_TCK, 100 on Linux)


@dataclass
class MemorySampler:
    """RSS of one process, read from /proc every 50 ms on a thread."""

    pid: int
    every: float = 0.05
    samples: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                pages = int(Path(f"/proc/{self.pid}/statm").read_text().split()[1])
                self.samples.append(pages * PAGE_SIZE)
            except (OSError, ValueError, IndexError):
                pass
            self._stop.wait(self.every)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def status_kb(pid: int, key: str) -> int:
    """A value of /proc/<pid>/status in kB, e.g. VmHWM: the kernel's peak RSS."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class AllInOne:
    """`jes run --target=all` on free ports with its data in a temporary folder."""

    def __init__(self, data: Path):
        self.http_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        addrs = {
            f"JES_{name.upper().replace('-', '_')}_ADDR": f"127.0.0.1:{free_port()}"
            for name in SERVICES
        }
        env = base_env(
            JES_DATA_DIR=str(data),
            JES_HTTP_PORT=str(self.http_port),
            JES_METRICS_PORT="0",  # no /metrics needed (and no port to collide on)
            JES_LOG_LEVEL="WARNING",
            **addrs,
        )
        args = [PYTHON, "-m", "jes_platform", "run", "--target=all", "--dev"]  # demo accounts
        self.process = Process("jes-all", args, env, data)

    def __enter__(self) -> AllInOne:
        self.process.start()
        try:
            wait_until(lambda: http_ok(f"{self.base_url}/readyz"), timeout=90, what="all-in-one")
        except TimeoutError:
            self.process.stop()
            raise SystemExit(f"all-in-one did not start:\n{self.process.log_tail()}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.stop()

    @property
    def pid(self) -> int:
        assert self.process.popen is not None
        return self.process.popen.pid


def login(base_url: str) -> str:
    reply = requests.post(
        f"{base_url}/api/v1/sessions",
        json={"account_id": FIRM[0], "password": FIRM[1]},
        timeout=30,
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def open_set(base_url: str, token: str) -> str:
    reply = requests.post(
        f"{base_url}/api/v1/photo-sets",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "court_code": "TPD",
            "division": "甲",
            "case_number": {"year": 113, "word": "司執", "number": uuid.uuid4().int % 900_000 + 1},
        },
        timeout=30,
    )
    reply.raise_for_status()
    return str(reply.json()["id"])


def upload(session: requests.Session, url: str, token: str, path: Path) -> float:
    """One upload; its latency in seconds."""
    started = time.perf_counter()
    reply = session.post(
        url,
        headers={"Authorization": f"Bearer {token}"},
        files={"file": (path.name, path.read_bytes(), "image/jpeg")},
        data={"placement": "outdoor", "description": "建物正面"},
        timeout=120,
    )
    if reply.status_code != 201:
        raise SystemExit(f"upload failed: {reply.status_code} {reply.text[:500]}")
    return time.perf_counter() - started


def run(photos: list[Path], uploaders: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory(prefix="jes-bench-") as data, AllInOne(Path(data)) as jes:
        token = login(jes.base_url)
        url = f"{jes.base_url}/api/v1/photo-sets/{open_set(jes.base_url, token)}/photos"
        sessions = threading.local()

        def one(path: Path) -> float:
            if not hasattr(sessions, "session"):
                sessions.session = requests.Session()
            return upload(sessions.session, url, token, path)

        for path in photos[:2]:  # warm-up: lazy imports, first connections; not counted
            one(path)
        rss_before = status_kb(jes.pid, "VmRSS") * 1024
        cpu_before = cpu_seconds(jes.pid)
        with MemorySampler(jes.pid) as memory, ThreadPoolExecutor(uploaders) as pool:
            started = time.perf_counter()
            latencies = list(pool.map(one, photos))
            elapsed = time.perf_counter() - started
        cpu = cpu_seconds(jes.pid) - cpu_before
        peak_kernel = status_kb(jes.pid, "VmHWM") * 1024
    mb = 1024 * 1024
    lat = summary([s * 1000 for s in latencies])
    return {
        "photos": len(photos),
        "uploaders": uploaders,
        "seconds": elapsed,
        "photos_per_second": len(photos) / elapsed,
        "latency_ms_median": lat["median"],
        "latency_ms_p95": lat["p95"],
        "server_cpu_ms_per_photo": cpu * 1000 / len(photos),
        "rss_mb_before": rss_before / mb,
        "rss_mb_peak_sampled": max(memory.samples, default=0) / mb,
        "rss_mb_peak_kernel": peak_kernel / mb,  # VmHWM: since the process started
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=50)
    parser.add_argument("--uploaders", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    photos = jpeg_photos(args.photos)
    results = [run(photos, n) for n in args.uploaders]
    print("uploads through the gateway, all-in-one mode (one process)")
    print(
        table(
            [
                "uploaders",
                "photos",
                "s",
                "photos/s",
                "latency med ms",
                "p95 ms",
                "server CPU ms/photo",
                "RSS idle MB",
                "RSS peak MB",
            ],
            [
                [
                    r["uploaders"],
                    r["photos"],
                    r["seconds"],
                    f"{r['photos_per_second']:.2f}",
                    r["latency_ms_median"],
                    r["latency_ms_p95"],
                    r["server_cpu_ms_per_photo"],
                    r["rss_mb_before"],
                    r["rss_mb_peak_sampled"],
                ]
                for r in results
            ],
        )
    )
    path = write_results("upload", {"mode": "all-in-one", "runs": results})
    print(f"distributed mode: not measured (see bench/README.md); {load_note()}")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
