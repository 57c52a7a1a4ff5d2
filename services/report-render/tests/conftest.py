"""Report-render built by its own `build()` on a temp folder (SQLite, embedded bus, the
folder object store), serving gRPC on a free port. The photos it renders are in the
object store's `photos` bucket, as photo-storage keeps them; a small HTTP server in the
test process listens for connections report-render must never make."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from jes.events.v1.envelope_pb2 import Envelope
from jes.report_render.v1 import report_render_pb2_grpc as pb_grpc
from jes_auth import KeyStore, TokenIssuer, TokenVerifier
from jes_grpckit import Client
from jes_servicekit import ServiceKit
from support import callers
from support.services import embedded_config, outbox_events, pki_of

if shutil.which("wkhtmltopdf") is None:  # build() refuses to start without it
    pytest.skip("wkhtmltopdf is not installed (make system-deps)", allow_module_level=True)

from jes_report_render import pdf
from jes_report_render.app import build


@dataclass
class ImageServer:
    """Serves `files[path]` over HTTP; any other path is a 404. Records every request."""

    base_url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    requested: list[str] = field(default_factory=list)

    def url(self, path: str, content: bytes) -> str:
        self.files[path] = content
        return f"{self.base_url}{path}"


@dataclass
class RenderService:
    kit: ServiceKit
    addr: str
    issuer: TokenIssuer
    objects: Path
    images: ImageServer
    pki: Path

    def client(self, token: str | None, caller: str = "gateway") -> Client:
        return callers.client(
            self.pki, self.addr, pb_grpc.ReportRenderServiceStub, caller=caller, token=token
        )

    def photo(self, key: str, content: bytes) -> str:
        """A report-size copy in the `photos` bucket, as photo-storage keeps it; its key."""
        self.kit.object_store().put("photos", key, content, "image/jpeg")
        return key

    def photo_storage(self) -> Client:
        """The only regular caller: photo-storage with its service token."""
        return self.client(None, caller="photo-storage")

    def events(self, payload_class: Any) -> list[tuple[Envelope, Any]]:
        return outbox_events(self.kit, payload_class)

    def stored_reports(self) -> list[str]:
        root = self.objects / "reports"
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def images() -> Iterator[ImageServer]:
    served = ImageServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requested.append(self.path)
            content = served.files.get(self.path)
            if content is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield served
    server.shutdown()
    server.server_close()


@pytest.fixture
def service(tmp_path: Path, images: ImageServer) -> Iterator[RenderService]:
    keys = KeyStore(tmp_path / "keys")
    config = embedded_config(
        "report-render",
        tmp_path,
        JES_OBJECT_STORE_URL=f"file://{tmp_path}/objects",
        JES_PUBLIC_URL="https://jes.example.gov.tw",
    )
    kit = build(config, verifier=TokenVerifier(keys.jwks), metrics=False)
    kit.grpc.start()  # the relay stays off: events stay in the outbox for the tests to read
    yield RenderService(
        kit,
        f"127.0.0.1:{kit.grpc.port}",
        TokenIssuer(keys),
        tmp_path / "objects",
        images,
        pki_of(tmp_path),
    )
    kit.grpc.stop(0)
    kit.bus.close()
    kit.db.dispose()


@dataclass
class StandInWkhtmltopdf:
    """Runs the real wkhtmltopdf after hanging on its first `hangs` runs, as the real one
    now and then does (it never exits). Each run is recorded as a line of its arguments."""

    folder: Path
    hangs: int

    @property
    def log(self) -> Path:
        return self.folder / "runs.log"

    @property
    def runs(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    @property
    def hung_name(self) -> str:
        return f"hung-wkhtmltopdf-{id(self)}"

    def hung_left_running(self) -> bool:
        return subprocess.run(["pgrep", "-f", self.hung_name]).returncode == 0

    def write(self, real: str) -> str:
        """The stand-in's script, in front of `real`; its path."""
        script = self.folder / "wkhtmltopdf"
        script.write_text(
            "#!/bin/bash\n"
            f'echo "$*" >> {self.log}\n'
            f'if [ "$(wc -l < {self.log})" -le {self.hangs} ]; then\n'
            f"  exec -a {self.hung_name} sleep 600\n"
            "fi\n"
            f'exec {real} "$@"\n'
        )
        script.chmod(0o755)
        return str(script)


@pytest.fixture
def hanging_wkhtmltopdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[int], StandInWkhtmltopdf]:
    """hanging_wkhtmltopdf(hangs=N): report-render's wkhtmltopdf becomes a stand-in that
    hangs on its first N runs (StandInWkhtmltopdf)."""

    def install(hangs: int) -> StandInWkhtmltopdf:
        folder = tmp_path / "stand-in"
        folder.mkdir()
        stand_in = StandInWkhtmltopdf(folder, hangs)
        script = stand_in.write(pdf.wkhtmltopdf_path())
        monkeypatch.setattr(pdf, "wkhtmltopdf_path", lambda: script)
        return stand_in

    return install
