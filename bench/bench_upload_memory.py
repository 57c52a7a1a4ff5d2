"""How many times a large upload is held in memory on its way through the platform.

Runs the all-in-one platform in this process with tracemalloc on, uploads one large
photo (the 12 MP PNG of common.png_photo(), 23 MB: close to the 30 MB limit, and a PNG
has no reduced-scale decode) through POST /api/v1/photo-sets/<id>/photos, and prints the
peak of the Python allocations made during the upload as a multiple of the file's size:
each copy of the bytes (the form's file read, the gRPC request, the received message,
the stored object) is a Python allocation. Pillow's decoded pixels and gRPC's own C
buffers are not Python allocations, so the peak RSS growth is printed beside it.
Target (issue 13): the upload is never held more than twice.
Run: `.venv/bin/python bench/bench_upload_memory.py`.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
import tracemalloc

import requests
from bench_upload import login, open_set, rss_bytes
from common import load_note, png_photo, write_results

from jes_config import SERVICES
from support.processes import free_port, http_ok, wait_until

TARGET_TIMES = 2.0


def main() -> int:
    import os

    from jes_platform.registry import resolve
    from jes_platform.runtime import Plan, limit_malloc_arenas, run_plan

    limit_malloc_arenas()
    path = png_photo()
    content = path.read_bytes()
    with tempfile.TemporaryDirectory(prefix="jes-bench-memory-") as data:
        port = free_port()
        environ = {
            **{k: v for k, v in os.environ.items() if not k.startswith("JES_")},
            "JES_DATA_DIR": data,
            "JES_HTTP_PORT": str(port),
            "JES_LOG_LEVEL": "WARNING",
            "JES_DEV_MODE": "1",  # the demo firm the upload logs in as
            **{
                f"JES_{name.upper().replace('-', '_')}_ADDR": f"127.0.0.1:{free_port()}"
                for name in SERVICES
            },
        }
        stop = threading.Event()
        plan = Plan.load(resolve("all"), environ)
        platform = threading.Thread(target=run_plan, args=(plan, stop), daemon=True)
        platform.start()
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: http_ok(f"{base_url}/readyz"), timeout=300, what="all-in-one")
            token = login(base_url)
            url = f"{base_url}/api/v1/photo-sets/{open_set(base_url, token)}/photos"
            session = requests.Session()
            headers = {"Authorization": f"Bearer {token}"}
            # warm-up (lazy imports, caches), not measured
            session.post(url, headers=headers, files={"file": ("a.png", content)}, timeout=300)
            tracemalloc.start()
            rss_before = rss_bytes(os.getpid())
            tracemalloc.reset_peak()
            started = time.perf_counter()
            # curl in its own process: the client's copy of the body is not counted
            reply = subprocess.run(
                [
                    "curl",
                    "-sS",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "-H",
                    f"Authorization: Bearer {token}",
                    "-F",
                    f"file=@{path}",
                    url,
                ],
                capture_output=True,
                text=True,
                timeout=300,
            )
            seconds = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_after = rss_bytes(os.getpid())
            if reply.stdout != "201":
                raise SystemExit(f"upload failed: {reply.stdout} {reply.stderr[:300]}")
        finally:
            stop.set()
            platform.join(60)
    size = len(content)
    times = peak / size
    result = {
        "file_mb": size / 1e6,
        "seconds": seconds,
        "python_peak_mb": peak / 1e6,
        "python_peak_times_file": times,
        "rss_growth_mb": (rss_after - rss_before) / 1e6,
        "target_times": TARGET_TIMES,
    }
    print(f"one {size / 1e6:.1f} MB PNG through the gateway (all-in-one, in this process)")
    print(
        f"  Python allocations at their peak during the upload: {peak / 1e6:.1f} MB = "
        f"{times:.1f} times the file"
    )
    print(f"  RSS growth: {(rss_after - rss_before) / 1e6:.0f} MB; {seconds:.1f} s")
    verdict = "PASS" if times <= TARGET_TIMES else "MISS"
    print(f"  target: at most {TARGET_TIMES:.0f} times: {verdict}")
    path_json = write_results("upload-memory", result)
    print(load_note())
    print(f"results: {path_json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
