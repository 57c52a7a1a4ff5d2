"""CPU time of images.process() (identify, check, decode, every derivative) per photo.

Target: a 12-megapixel JPEG in at most 100 ms of CPU (p95 over the photos). PNG and
HEIC are reported for information (they have no reduced-scale decode). The baseline,
measured in the same run on the same JPEGs: a plain Pillow decode and resize to 1000 px
(common.plain_decode_and_resize); the ratio of the two survives a noisy machine.
Run: `make bench`, or `.venv/bin/python bench/bench_derivatives.py [--photos N]`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import (
    cpu_ms_each,
    heic_photo,
    jpeg_photos,
    load_note,
    plain_decode_and_resize,
    png_photo,
    summary,
    table,
    write_results,
)

from jes_photo_storage.images import process

TARGET_MS = 100.0


def measure(paths: list[Path], rounds: int) -> tuple[list[float], list[float]]:
    """CPU and wall milliseconds of process(), one value per photo per round."""
    contents = [p.read_bytes() for p in paths]
    process(contents[0])  # first call: lazy imports, colour-profile caches
    cpu, wall = [], []
    for _ in range(rounds):
        for content in contents:
            c0, w0 = time.process_time(), time.perf_counter()
            process(content)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
    return cpu, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=24, help="12 MP JPEGs (>= 20)")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the JPEGs")
    args = parser.parse_args()

    jpegs = jpeg_photos(args.photos)
    cases = [
        ("JPEG 12 MP", jpegs, args.rounds),
        ("PNG 12 MP", [png_photo()], 5),
        ("HEIC 12 MP", [heic_photo()], 5),
    ]
    rows, results = [], {}
    for name, paths, rounds in cases:
        cpu, wall = measure(paths, rounds)
        sizes = [p.stat().st_size / 1e6 for p in paths]
        s, w = summary(cpu), summary(wall)
        verdict = ("PASS" if s["p95"] <= TARGET_MS else "MISS") if name.startswith("JPEG") else ""
        rows.append(
            [
                name,
                f"{min(sizes):.1f}-{max(sizes):.1f}",
                s["n"],
                s["min"],
                s["median"],
                s["p95"],
                w["median"],
                verdict,
            ]
        )
        results[name] = {
            "photos": len(paths),
            "file_mb": {"min": min(sizes), "max": max(sizes)},
            "cpu_ms": s,
            "wall_ms": w,
            **({"target_ms": TARGET_MS, "verdict": verdict} if verdict else {}),
        }
    baseline = summary(cpu_ms_each(plain_decode_and_resize, [p.read_bytes() for p in jpegs]))
    jpeg_median = results["JPEG 12 MP"]["cpu_ms"]["median"]
    speedup = baseline["median"] / jpeg_median
    rows.append(
        [
            "baseline: plain decode+resize, JPEG",
            "",
            baseline["n"],
            baseline["min"],
            baseline["median"],
            baseline["p95"],
            "",
            "",
        ]
    )
    print("images.process(): CPU ms per photo (all derivatives)")
    print(
        table(
            ["photo", "MB", "n", "cpu min", "cpu median", "cpu p95", "wall median", "target"],
            rows,
        )
    )
    path = write_results(
        "derivatives",
        {"cases": results, "baseline_plain_cpu_ms": baseline, "speedup_median": speedup},
    )
    print(
        f"JPEG: all derivatives {speedup:.1f} times faster than the plain decode and resize "
        f"(medians of the same run)"
    )
    print(f"target: JPEG p95 <= {TARGET_MS:.0f} ms CPU; {load_note()}")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
