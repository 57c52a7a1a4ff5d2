"""The least CPU an upload can cost beside its derivatives: each step measured alone.

bench_upload.py measures what the platform spends per photo; this one measures, in the same
run and on the same 12 MP JPEGs, the floor of every step an upload cannot skip, each done by
the same library the platform uses and nothing else around it:

  http      a minimal Flask app under waitress (its own process, served with the settings
            the platform uses) that receives the photo as multipart/form-data and reads the
            file part to the end: the gateway's floor
  grpc      the photo sent over one mutual-TLS gRPC client stream in 256 kB chunks to a
            server that only counts the bytes (client and server in this process)
  receive   photo-storage's own `images.receive`: SHA-256 and spooling of those chunks
  store     the folder store's `put_file` for the original and `put` for the three
            derivatives, each written to a temporary file, fsync'd and renamed
  database  one SQLite transaction (WAL, synchronous=NORMAL, as jes_db sets it) adding
            a photo row and an outbox row

Beside them: the derivatives themselves (`images.process`) and the plain Pillow decode and
resize that every photo benchmark prints as its in-run baseline. The sum says what
"server CPU per photo / derivatives" can reach at best with this design, and so whether
the 1.3 target and 25 photos/s on two cores are reachable.
Run: `make bench`, or `.venv/bin/python bench/bench_upload_floor.py [--photos N]`.
"""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import requests
from common import (
    cpu_ms_each,
    cpu_table,
    http_answers,
    jpeg_photos,
    load_note,
    plain_decode_and_resize,
    process_cpu_ms,
    raw_grpc_hop,
    summary,
    write_results,
)

from jes_grpckit.streams import CHUNK_BYTES
from jes_objectstore import FileStore
from jes_photo_storage import images
from support.processes import PYTHON, free_port, wait_until

TARGET_CPU_RATIO = 1.3
TARGET_PHOTOS_PER_SECOND = 25.0
CORES = 2
ROUNDS = 5

# The gateway's floor: receive a multipart upload and read the file part, nothing else.
MINIMAL_GATEWAY = """
import sys
from flask import Flask, request
from waitress import serve

app = Flask("floor")

@app.post("/upload")
def upload():
    stored = request.files["file"]
    size = 0
    while chunk := stored.stream.read(256 * 1024):
        size += len(chunk)
    return {"size": size}

# as jes_platform.runtime serves the gateway: 256 kB reads
serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=8, recv_bytes=256 * 1024, _quiet=True)
"""


def http_floor(contents: list[bytes]) -> list[float]:
    """CPU ms of the minimal gateway's process per upload (one mean per round of all the
    photos), the client in this process."""
    port = free_port()
    server = subprocess.Popen([PYTHON, "-c", MINIMAL_GATEWAY, str(port)])
    try:
        url = f"http://127.0.0.1:{port}/upload"
        wait_until(lambda: http_answers(url), timeout=60, what="the minimal gateway")
        with requests.Session() as session:

            def upload(content: bytes) -> None:
                files = {"file": ("photo.jpg", content, "image/jpeg")}
                response = session.post(url, files=files, data={"placement": "室內"})
                assert response.json()["size"] == len(content), response.text

            upload(contents[0])
            # /proc counts CPU in 10 ms ticks: time rounds of uploads, one mean per round.
            values = []
            for _ in range(ROUNDS):
                before = process_cpu_ms(server.pid)
                for content in contents:
                    upload(content)
                values.append((process_cpu_ms(server.pid) - before) / len(contents))
        return values
    finally:
        server.terminate()
        server.wait(timeout=30)


def _count_bytes(chunks: Iterator[bytes], context: grpc.ServicerContext) -> bytes:
    return str(sum(len(chunk) for chunk in chunks)).encode()


class GrpcHop:
    """A mutual-TLS gRPC server in this process whose one client-streaming method counts
    the bytes it receives (raw bytes: no protobuf message, so this is the transport alone)."""

    def __init__(self, pki: Path) -> None:
        self.server, self.channel = raw_grpc_hop(
            pki,
            "photo-storage",
            "floor.Upload",
            {"Send": grpc.stream_unary_rpc_method_handler(_count_bytes)},
            workers=4,
        )
        self.send = self.channel.stream_unary("/floor.Upload/Send")

    def __call__(self, content: bytes) -> None:
        chunks = (content[at : at + CHUNK_BYTES] for at in range(0, len(content), CHUNK_BYTES))
        assert int(self.send(chunks)) == len(content)

    def close(self) -> None:
        self.channel.close()
        self.server.stop(None)


def receive(content: bytes) -> None:
    chunks = (content[at : at + CHUNK_BYTES] for at in range(0, len(content), CHUNK_BYTES))
    with images.receive(chunks) as upload:
        assert upload.size == len(content)


class Store:
    """The four objects of one photo written as photo-storage writes them."""

    def __init__(self, root: Path) -> None:
        self.store = FileStore(root, public_url="http://127.0.0.1", signing_key="bench")
        self.store.ensure_bucket("photos")
        sample = images.process(jpeg_photos(1)[0].read_bytes())
        self.derivatives = (sample.thumbnail, sample.report, sample.public)

    def __call__(self, content: bytes) -> None:
        key = uuid.uuid4().hex
        self.store.put_file("photos", f"{key}/original", io.BytesIO(content), len(content), "")
        for name, data in zip(("thumbnail", "report", "public"), self.derivatives, strict=True):
            self.store.put("photos", f"{key}/{name}", data, "image/jpeg")


class Database:
    """One transaction: a photo row and its outbox event, in WAL mode as jes_db opens it."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.connection.execute(f"PRAGMA {pragma}")
        self.connection.execute(
            "CREATE TABLE photos (id TEXT PRIMARY KEY, set_id TEXT, position INTEGER,"
            " placement TEXT, caption TEXT, sha256 TEXT, width INTEGER, height INTEGER,"
            " content_type TEXT, size INTEGER, created_at TEXT)"
        )
        self.connection.execute(
            "CREATE TABLE outbox (id TEXT PRIMARY KEY, topic TEXT, key TEXT, payload BLOB,"
            " created_at TEXT, published_at TEXT)"
        )
        self.payload = json.dumps({"photo_id": "x" * 36, "set_id": "y" * 36} | {"n": 1}).encode()

    def __call__(self, content: bytes) -> None:
        photo_id = str(uuid.uuid4())
        with self.connection:
            self.connection.execute("BEGIN")
            self.connection.execute(
                "INSERT INTO photos VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    photo_id,
                    "set",
                    1,
                    "室內",
                    "",
                    "h" * 64,
                    4000,
                    3000,
                    "image/jpeg",
                    len(content),
                    "2026-11-30T00:00:00Z",
                ),
            )
            self.connection.execute(
                "INSERT INTO outbox VALUES (?, ?, ?, ?, ?, NULL)",
                (str(uuid.uuid4()), "photos", photo_id, self.payload, "2026-11-30T00:00:00Z"),
            )


def _verdict(reachable: bool) -> str:
    return "reachable" if reachable else "NOT reachable"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=24)
    args = parser.parse_args()
    contents = [path.read_bytes() for path in jpeg_photos(args.photos)]

    def derivatives(content: bytes) -> None:
        images.process(content)

    with tempfile.TemporaryDirectory(prefix="jes-bench-floor-") as scratch:
        root = Path(scratch)
        hop = GrpcHop(root / "pki")
        try:
            steps = {
                "http": http_floor(contents),
                "grpc": cpu_ms_each(hop, contents),
                "receive": cpu_ms_each(receive, contents),
                "store": cpu_ms_each(Store(root / "objects"), contents),
                "database": cpu_ms_each(Database(root / "floor.db"), contents),
            }
        finally:
            hop.close()
        reference = {
            "derivatives": cpu_ms_each(derivatives, contents),
            "baseline": cpu_ms_each(plain_decode_and_resize, contents),
        }

    figures = {name: summary(values) for name, values in (steps | reference).items()}
    floor = sum(figures[name]["median"] for name in steps)
    made = figures["derivatives"]["median"]
    best_ratio = (made + floor) / made
    best_rate = CORES * 1000 / (made + floor)
    print(f"the least CPU an upload costs beside its derivatives (12 MP JPEGs, n={len(contents)})")
    print(cpu_table(figures, digits=1))
    print(
        f"floor of the steps beside the derivatives: {floor:.1f} ms; derivatives {made:.1f} ms;"
        f" in-run baseline (plain decode and resize) {figures['baseline']['median']:.1f} ms"
    )
    print(
        f"best server CPU / derivatives with this design: {best_ratio:.2f}"
        f" (target {TARGET_CPU_RATIO}: {_verdict(best_ratio <= TARGET_CPU_RATIO)})"
    )
    print(
        f"best photos/s on {CORES} cores with no other work: {best_rate:.1f}"
        f" (target {TARGET_PHOTOS_PER_SECOND:.0f}:"
        f" {_verdict(best_rate >= TARGET_PHOTOS_PER_SECOND)})"
    )
    print(load_note())
    path = write_results(
        "upload-floor",
        {
            "steps": figures,
            "floor_ms": floor,
            "best_cpu_ratio": best_ratio,
            "best_photos_per_second": best_rate,
        },
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
