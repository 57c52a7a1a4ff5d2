"""Benchmark: the PDF photo report of a 100-photo set.

    .venv/bin/python bench/bench_report_pdf.py [--photos 100] [--runs 3]

Builds a set of realistic 12-megapixel JPEG photos (noise and gradients at several
scales, so they compress like photos: about 3-4 MB each; a fifth are portrait, stored
landscape with an EXIF rotation as phones do), makes their report copies (1000 px) with
photo-storage's own image code, and serves the copies from a separate HTTP server
process on 127.0.0.1, standing for the object store's presigned URLs. The photos are
cached under .cache/bench/report-pdf/ (git-ignored), so only the first run makes them.

Then it starts report-render as the service runs (its own build(): SQLite, embedded
bus, folder object store, gRPC with token checks) and calls RenderPhotoReport as
photo-storage does, `--runs` times. Per run it prints the wall time of the call, the
peak resident memory of the process tree (this process, which serves the call, and the
wkhtmltopdf processes it starts; sampled from /proc every 20 ms; the image server is
not counted), the PDF's size and page count, then PASS/MISS per target for the best and
the worst run. The CPU time of each run (this process, including the sampler, and
wkhtmltopdf) is printed too: on this shared 2-core machine the wall time depends on
what else runs, the CPU time much less. It exits non-zero only on errors.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing import Pool
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # support.processes: test ports that cannot collide
from support.processes import free_port  # noqa: E402

CACHE = ROOT / ".cache" / "bench" / "report-pdf"
PHOTO_SIZE = (4000, 3000)  # 12 MP
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

TARGET_SECONDS = 4.0
TARGET_PEAK_MB = 400
TARGET_FILE_MB = 30


# -- photos -------------------------------------------------------------------------------


def make_photo(seed: int) -> bytes:
    """A 12 MP JPEG that compresses like a photo: smooth colour fields, hard-edged
    shapes at several sizes, and texture from coarse to sensor grain."""
    rnd = random.Random(seed)
    w, h = PHOTO_SIZE
    channels = []
    for _ in range(3):
        gradient = Image.linear_gradient("L").rotate(rnd.uniform(0, 360), Image.BILINEAR)
        scale, offset = rnd.uniform(0.3, 0.8), rnd.randint(20, 120)
        channels.append(
            gradient.resize((w // 4, h // 4), Image.BILINEAR).point(
                lambda v, s=scale, o=offset: int(v * s + o)
            )
        )
    small = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(small)
    for _ in range(400):  # walls, windows, furniture, wires
        x0, y0 = rnd.randrange(w // 4), rnd.randrange(h // 4)
        size = rnd.choice((w // 8, w // 30, w // 100))
        box = (x0, y0, x0 + rnd.randint(2, size), y0 + rnd.randint(2, size))
        colour = tuple(rnd.randint(30, 230) for _ in range(3))
        kind = rnd.random()
        if kind < 0.5:
            draw.rectangle(box, fill=colour)
        elif kind < 0.75:
            draw.ellipse(box, fill=colour)
        else:
            draw.line(box, fill=colour, width=rnd.randint(1, 3))
    image = small.resize((w, h), Image.BICUBIC)
    texture = [
        Image.effect_noise((w // s, h // s), 50).resize((w, h), Image.BICUBIC) for s in (16, 4, 1)
    ]
    image = Image.blend(image, Image.merge("RGB", texture), 0.3)
    exif = Image.Exif()
    if seed % 5 == 4:
        exif[0x0112] = 6  # portrait, as a phone stores it: rotate 90° when shown
    out = io.BytesIO()
    image.save(out, "JPEG", quality=93, exif=exif.tobytes())
    return out.getvalue()


def make_pair(seed: int) -> tuple[int, int]:
    """The original and its report copy, made as photo-storage makes it."""
    from jes_photo_storage.images import process

    original = CACHE / f"photo-{seed:03d}.jpg"
    report = CACHE / f"report-{seed:03d}.jpg"
    if not original.exists():
        content = make_photo(seed)
        original.with_suffix(".tmp").write_bytes(content)
        original.with_suffix(".tmp").rename(original)
    if not report.exists():
        copy = process(original.read_bytes()).report
        report.with_suffix(".tmp").write_bytes(copy)
        report.with_suffix(".tmp").rename(report)
    return original.stat().st_size, report.stat().st_size


def ensure_photos(count: int) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    missing = [n for n in range(count) if not (CACHE / f"report-{n:03d}.jpg").exists()]
    if missing:
        print(f"making {len(missing)} photos in {CACHE} (once) ...", flush=True)
        with Pool(os.cpu_count() or 1) as pool:
            pool.map(make_pair, missing)
    sizes = [make_pair(n) for n in range(count)]
    originals = [o for o, _ in sizes]
    copies = [r for _, r in sizes]
    print(
        f"{count} photos: originals {statistics.mean(originals) / 1e6:.1f} MB on average "
        f"({min(originals) / 1e6:.1f}-{max(originals) / 1e6:.1f}), "
        f"report copies {statistics.mean(copies) / 1e3:.0f} kB on average"
    )


DESCRIPTIONS = [
    "客廳，面向大門拍攝，地坪為磁磚，牆面完整無明顯裂縫。",
    "主臥室，窗戶朝南，牆角有壁癌及滲水痕跡。",
    "建物正面，臨 8 公尺道路，一樓為騎樓。",
    "建物背面，後方為防火巷，寬約 1.5 公尺。",
    "廚房，流理台及抽油煙機仍在，未見漏水。",
    "頂樓平台，有鐵皮加蓋（增建）約 20 平方公尺，未辦保存登記。",
    "",
    "浴室，磁磚部分剝落。",
]
LONG_DESCRIPTION = (
    "本照片為標的建物右側面，臨接 6 公尺計畫道路，道路對面為公園預定地。"
    "建物外牆為二丁掛磁磚，局部有剝落情形；一樓右側有以鐵皮搭建之雨遮及儲藏空間，"
    "經現場量測約 12.5 平方公尺，未辦理保存登記，拍賣時應注意是否一併拍賣及其使用情形。"
) * 4


def request_for(count: int, base_url: str):  # -> RenderPhotoReportRequest
    from jes.report_render.v1 import report_render_pb2 as pb

    photos = []
    for n in range(count):
        photos.append(
            pb.ReportPhoto(
                sequence=n + 1,
                placement="室內" if n % 3 else "室外",
                orientation="直立" if n % 5 == 4 else "橫向",
                auction_target=("建物", "建地", "建物及其基地", "")[n % 4],
                description=LONG_DESCRIPTION if n == 37 else DESCRIPTIONS[n % len(DESCRIPTIONS)],
                remark="" if n % 2 else "與謄本登記面積相符",
                image_url=f"{base_url}/report-{n:03d}.jpg",
            )
        )
    return pb.RenderPhotoReportRequest(
        photo_set_id="bench-set",
        court_name="臺灣臺北地方法院",
        division="甲",
        case_number="113年度司執字第12345號",
        batch=1,
        firm_name="大華不動產估價師聯合事務所",
        fingerprint="9f2c" * 16,
        photos=photos,
        set_version=7,
        printed_by="DEMOFIRM",
    )


# -- measuring ----------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    children = [int(c) for c in handle.read().split()]
                found.extend(children)
                queue.extend(children)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


def command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as handle:
            return handle.read().strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


MY_COMMAND = command(os.getpid())


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (FileNotFoundError, ProcessLookupError):
        return 0


def cpu_seconds() -> float:
    """CPU time of this process and of its children that ended (wkhtmltopdf runs)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class TreePeak:
    """Peak of the summed RSS of this process and its descendants (but `exclude`)."""

    def __init__(self, exclude: set[int], interval: float = 0.02):
        self.exclude = exclude
        self.interval = interval
        self.peak = 0
        self.peak_self = 0  # this process alone
        self.peak_children = 0  # the wkhtmltopdf processes together
        self.most_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            # A child that has not yet exec'd wkhtmltopdf is a vfork of this process,
            # sharing its memory; counting it would count this process twice.
            children = [
                p for p in descendants(me) if p not in self.exclude and command(p) != MY_COMMAND
            ]
            own = rss_bytes(me)
            theirs = sum(rss_bytes(p) for p in children)
            self.peak = max(self.peak, own + theirs)
            self.peak_self = max(self.peak_self, own)
            self.peak_children = max(self.peak_children, theirs)
            self.most_processes = max(self.most_processes, len(children) + 1)
            self._stop.wait(self.interval)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- the run ------------------------------------------------------------------------------


def start_image_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=CACHE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, base_url
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the image server did not start")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    ensure_photos(args.photos)

    from jes.report_render.v1 import report_render_pb2_grpc as pb_grpc
    from jes_auth import KeyStore, TokenVerifier
    from jes_auth.pki import PeerIdentity, ensure_identity
    from jes_config import ServiceConfig
    from jes_grpckit import Client, TlsIdentity
    from jes_report_render.app import build

    server, base_url = start_image_server()
    work = Path(tempfile.mkdtemp(prefix="bench-report-pdf-"))
    kit = None
    try:
        config = ServiceConfig.load(
            "report-render",
            {
                "JES_DATA_DIR": str(work / "data"),
                "JES_GRPC_PORT": "0",
                "JES_METRICS_PORT": "0",
                "JES_HEALTH_PORT": "0",
                "JES_EVENT_BUS_URL": f"embedded://{work}/bus.db",
                "JES_OBJECT_STORE_URL": f"file://{work}/objects",
                "JES_LOG_LEVEL": "WARNING",
            },
        )
        keys = KeyStore(work / "keys")
        kit = build(config, verifier=TokenVerifier(keys.jwks), metrics=False)
        kit.grpc.start()
        # photo-storage is the one caller report-render takes: its certificate (mutual TLS)
        photo_storage = ensure_identity(
            work / "data" / "pki", PeerIdentity("service", "photo-storage")
        )
        client = Client(
            f"127.0.0.1:{kit.grpc.port}",
            pb_grpc.ReportRenderServiceStub,
            tls=TlsIdentity.from_folder(photo_storage),
        )
        request = request_for(args.photos, base_url)

        print(f"this process before rendering: {rss_bytes(os.getpid()) / 2**20:.0f} MiB")
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"load average of the machine ({os.cpu_count()} cores): {load}")
        results = []
        for run in range(1, args.runs + 1):
            cpu_before = cpu_seconds()
            with TreePeak(exclude={server.pid}) as peak:
                started = time.perf_counter()
                report = client.call("RenderPhotoReport", request, timeout=120)
                seconds = time.perf_counter() - started
            cpu = cpu_seconds() - cpu_before
            stored = work / "objects" / "reports" / report.object_key
            assert stored.stat().st_size == report.size_bytes, "the stored PDF differs"
            results.append((seconds, peak.peak, report.size_bytes, report.pages))
            print(
                f"run {run}: {seconds:.2f} s ({cpu:.2f} s of CPU), "
                f"peak RSS of the tree {peak.peak / 2**20:.0f} MiB "
                f"(this process {peak.peak_self / 2**20:.0f}, children together "
                f"{peak.peak_children / 2**20:.0f}; {peak.most_processes} processes at most), "
                f"PDF {report.size_bytes / 1e6:.1f} MB, {report.pages} pages",
                flush=True,
            )
        stored_reports = sorted((work / "objects" / "reports").rglob("*.pdf"))
        assert len(stored_reports) == args.runs, "every print is kept"
    finally:
        if kit is not None:
            kit.grpc.stop(0)
            kit.bus.close()
            kit.db.dispose()
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)

    times = sorted(r[0] for r in results)
    peaks = sorted(r[1] for r in results)
    sizes = sorted(r[2] for r in results)
    print(
        f"\n{args.photos} photos, {results[0][3]} pages; "
        f"best / median / worst of {len(results)} runs:"
    )
    rows = [
        ("wall time", times, TARGET_SECONDS, lambda v: f"{v:.2f} s"),
        ("peak RSS (tree)", [p / 2**20 for p in peaks], TARGET_PEAK_MB, lambda v: f"{v:.0f} MiB"),
        ("file size", [s / 1e6 for s in sizes], TARGET_FILE_MB, lambda v: f"{v:.1f} MB"),
    ]
    for name, values, target, show in rows:
        best, median, worst = values[0], statistics.median(values), values[-1]
        print(
            f"  {name:16} {show(best):>9} / {show(median):>9} / {show(worst):>9}"
            f"   target <= {show(target)}: best {verdict(best <= target)},"
            f" worst {verdict(worst <= target)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
