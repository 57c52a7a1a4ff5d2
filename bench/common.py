"""What the benchmarks share: cached photo fixtures, statistics, tables, JSON results."""

from __future__ import annotations

import io
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the test image factories (support.images)

from support.images import heic, photo_jpeg, photo_pixels  # noqa: E402

CACHE = ROOT / ".cache" / "bench"  # git-ignored (/.cache/ in .gitignore)
PHOTOS = CACHE / "photos"
RESULTS = CACHE / "results"

MP12 = (4000, 3000)


def jpeg_photos(count: int) -> list[Path]:
    """`count` different 12 MP JPEGs of 3-5 MB with camera EXIF (orientation, GPS),
    generated once (about a second each) and kept in .cache/bench/photos."""
    PHOTOS.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = PHOTOS / f"jpeg-12mp-{n:03d}.jpg"
        if not path.exists():
            # noise 8..14 spans about 3.2 to 4.8 MB; most phones hold photos upright
            # (1) or turned (6), some upside down (3) or the other way (8)
            content = photo_jpeg(
                *MP12,
                seed=n,
                noise=8 + (n * 3) % 7,
                orientation=(1, 6, 1, 6, 3, 8)[n % 6],
                gps=True,
            )
            _write(path, content)
        paths.append(path)
    return paths


def png_photo() -> Path:
    """A 12 MP photo saved as PNG (about 23 MB: under the 30 MB limit)."""
    path = PHOTOS / "png-12mp.png"
    if not path.exists():
        out = io.BytesIO()
        photo_pixels(*MP12, seed=1000, noise=6).save(out, "PNG")
        _write(path, out.getvalue())
    return path


def heic_photo() -> Path:
    """A 12 MP HEIC as an iPhone writes it (rotation and GPS), about 2 MB."""
    path = PHOTOS / "heic-12mp.heic"
    if not path.exists():
        picture = photo_pixels(*MP12, seed=2000, noise=6)
        _write(path, heic(picture, orientation=6, gps=True, quality=50))  # ~25 s of x265
    return path


def _write(path: Path, content: bytes) -> None:
    PHOTOS.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(content)
    partial.replace(path)  # a run stopped half-way never leaves a short fixture behind


def plain_decode_and_resize(content: bytes, edge: int = 1000) -> None:
    """The in-run baseline: what a plain Pillow program does to make a 1000 px copy (decode
    every pixel at full size, resize with Pillow's default filter). Every benchmark of
    photos measures it in the same run, so its ratios survive a noisy machine."""
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        image.load()
        width, height = image.size
        factor = edge / max(width, height)
        image.resize((round(width * factor), round(height * factor)))


def cpu_ms_each(work: Any, contents: list[bytes]) -> list[float]:
    """CPU milliseconds of work(content) for each content (after one untimed call)."""
    work(contents[0])  # lazy imports, colour-profile caches
    values = []
    for content in contents:
        started = time.process_time()
        work(content)
        values.append((time.process_time() - started) * 1000)
    return values


def summary(values: list[float]) -> dict[str, float]:
    """min / median / p95 (nearest rank) / max of a list of measurements."""
    ordered = sorted(values)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "n": len(ordered),
        "min": ordered[0],
        "mean": statistics.fmean(ordered),
        "median": statistics.median(ordered),
        "p95": p95,
        "max": ordered[-1],
    }


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cpu_table(figures: dict[str, dict[str, float]], digits: int = 1) -> str:
    """Each step's CPU figures (`summary()`'s) as a table: min, median and p95 in ms."""
    rows = [
        [name, *(f"{f[key]:.{digits}f}" for key in ("min", "median", "p95"))]
        for name, f in figures.items()
    ]
    return table(["step", "cpu min ms", "cpu median ms", "cpu p95 ms"], rows)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {
        "benchmark": name,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        **data,
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def load_note() -> str:
    """The load average, printed with the results: other work inflates them."""
    load = machine()["load_average"]
    return f"load average {' '.join(load)} on {os.cpu_count()} CPUs" if load else ""


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = []
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": load,  # other work on the machine makes the numbers noisy
    }


def postgres_up(settings: dict[str, str]) -> bool:
    """This checkout's PostgreSQL answers (the case-sync benchmarks need it)."""
    from sqlalchemy import create_engine, text

    from support.distributed import pg_url

    try:
        engine = create_engine(pg_url(settings, "postgres"), connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return False
    return True


def scheduler_seconds(pid: int | str = "self") -> tuple[float, float]:
    """(on a CPU, runnable but waiting for one) summed over a process's threads, from
    Linux's /proc/<pid>/task/*/schedstat: on a shared machine the second says how much of
    the wall time was the run queue rather than I/O or locks. (0, 0) where unavailable."""
    running = waiting = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            on_cpu, queued, _ = stat.read_text().split()
        except (OSError, ValueError):
            continue  # a thread that ended meanwhile
        running += int(on_cpu)
        waiting += int(queued)
    return running / 1e9, waiting / 1e9


# What each kind of process on the machine is, by its command line: the first pattern
# that matches names it (the benchmark's own process is "benchmark").
PROCESS_KINDS = (
    ("postgres", "PostgreSQL"),
    ("kafka", "Kafka"),
    ("smtp_sink", "SMTP sink"),
    ("minio", "MinIO"),
    ("bench/bench_", "benchmark"),
    ("--target=all", "jes (all)"),
    ("jes_case_sync", "case-sync"),
    ("jes_notification", "notification"),
    ("jes_identity", "identity"),
    ("jes_gateway", "gateway"),
    ("jes_", "other JES"),
)


def machine_cpu() -> tuple[float, dict[str, float]]:
    """The machine's busy CPU seconds so far (all CPUs, from /proc/stat) and each kind of
    process's CPU seconds (user + system, from /proc/<pid>/stat, grouped by
    PROCESS_KINDS; the rest is "other"). Two snapshots' difference says who used the
    CPUs in between; a process that ended meanwhile is missing from the second."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + values[4]  # idle + iowait
    busy = (sum(values[:8]) - idle) / ticks  # without guest time, counted in user already
    by_kind: dict[str, float] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = next((k for pattern, k in PROCESS_KINDS if pattern in command), "other")
        by_kind[kind] = by_kind.get(kind, 0.0) + (int(stat[11]) + int(stat[12])) / ticks
    return busy, by_kind


def machine_cpu_between(
    before: tuple[float, dict[str, float]], after: tuple[float, dict[str, float]]
) -> dict[str, float]:
    """Each kind's CPU seconds between two `machine_cpu()` snapshots, with the machine's
    whole busy time as "all processes"."""
    spent = {kind: after[1][kind] - before[1].get(kind, 0.0) for kind in after[1]}
    spent = {kind: round(s, 2) for kind, s in sorted(spent.items(), key=lambda x: -x[1]) if s > 0}
    return {"all processes": round(after[0] - before[0], 2), **spent}


def process_cpu_ms(pid: int) -> float:
    """A process's CPU so far (user + system), in ms: /proc/<pid>/stat counts in ticks of
    10 ms, so time rounds of many calls, not one."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def http_answers(url: str) -> bool:
    import requests

    try:
        requests.get(url, timeout=1)
        return True
    except requests.ConnectionError:
        return False


def tls_pair(pki: Path, server_name: str) -> tuple[Any, Any]:
    """The mutual-TLS identities of a service and of the gateway calling it, issued by
    the CA in `pki` (made on first use): (server's, gateway's)."""
    from jes_auth.pki import PeerIdentity, ensure_identity
    from jes_grpckit.tls import TlsIdentity

    def identity(name: str) -> Any:
        return TlsIdentity.from_folder(ensure_identity(pki, PeerIdentity("service", name)))

    return identity(server_name), identity("gateway")


def raw_grpc_hop(
    pki: Path, server_name: str, service: str, handlers: dict[str, Any], workers: int
) -> tuple[Any, Any]:
    """A mutual-TLS gRPC server in this process serving `handlers` under `service` (raw
    bytes: no protobuf message, so the transport alone), and the gateway's channel to it
    as the services' clients reach `server_name`: (server, channel)."""
    from concurrent.futures import ThreadPoolExecutor

    import grpc

    server_tls, client_tls = tls_pair(pki, server_name)
    server = grpc.server(ThreadPoolExecutor(max_workers=workers))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, handlers),))
    port = server.add_secure_port("127.0.0.1:0", server_tls.server_credentials())
    server.start()
    channel = grpc.secure_channel(
        f"127.0.0.1:{port}",
        client_tls.channel_credentials(),
        options=[("grpc.ssl_target_name_override", server_name)],
    )
    return server, channel
