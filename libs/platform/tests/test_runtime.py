"""The one runtime: what it starts, in which order, what it stops, and when hooks run."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from jes_config import ConfigError
from jes_platform import cli, runtime
from jes_platform.registry import MODULES, Module, resolve
from jes_platform.runtime import Plan, run_plan, service_environ, welcome

ROOT = Path(__file__).resolve().parents[3]


class Recorder:
    """Stands in for starting modules: records what starts and stops, in order."""

    def __init__(self, stop: threading.Event, *, stop_after: str = "", fail_on: str = ""):
        self.events: list[str] = []
        self.stop = stop
        self.stop_after = stop_after  # a stop is requested once this module started
        self.fail_on = fail_on

    def __call__(self, mod: Module, config: Any, all_in_one: bool) -> Any:
        if mod.name == self.fail_on:
            raise RuntimeError(f"{mod.name} failed to start")
        self.events.append(f"start {mod.name}")
        recorder = self

        class Started:
            db = None

            def stop(self) -> None:
                recorder.events.append(f"stop {mod.name}")

        if mod.name == self.stop_after:
            self.stop.set()
        return Started()


@pytest.fixture
def seeded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The development-mode hooks (identity's demo accounts, case-sync's demo cases),
    recorded instead of writing demo data: the hook that ran, in order."""
    calls: list[str] = []

    def seed_demo_accounts(running: object) -> list[str]:
        calls.append("identity")
        return ["Demo logins (password Demo1234!):", "  ADMIN      系統管理者"]

    def seed_demo_cases(running: object) -> list[str]:
        calls.append("case-sync")
        return ["Demo cases, followed by DEMOPROGRESS: 臺北地院 民事 115年度訴字第3021號"]

    import jes_case_sync.demo
    import jes_identity.demo

    monkeypatch.setattr(jes_identity.demo, "seed_demo_accounts", seed_demo_accounts)
    monkeypatch.setattr(jes_case_sync.demo, "seed_demo_cases", seed_demo_cases)
    return calls


def test_all_starts_in_dependency_order_and_stops_in_reverse(
    seeded: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    recorder = Recorder(threading.Event(), stop_after="gateway")
    plan = Plan(resolve("all"), public_url="http://127.0.0.1:8080", dev_mode=True)
    run_plan(plan, recorder.stop, recorder)
    order = [m.name for m in resolve("all")]
    assert recorder.events == [f"start {n}" for n in order] + [f"stop {n}" for n in reversed(order)]
    assert seeded == ["identity", "case-sync"]  # each hook once, after its module started
    assert capsys.readouterr().out == (
        "\nJES is running: http://127.0.0.1:8080\n\n"
        "Demo logins (password Demo1234!):\n  ADMIN      系統管理者\n"
        "Demo cases, followed by DEMOPROGRESS: 臺北地院 民事 115年度訴字第3021號\n"
        "Mail sent by JES: http://127.0.0.1:8080/dev/mailbox\nCtrl-C stops everything.\n\n"
    )


def test_without_development_mode_no_demo_accounts_and_no_mailbox(
    seeded: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    recorder = Recorder(threading.Event(), stop_after="gateway")
    run_plan(Plan(resolve("all"), public_url="http://127.0.0.1:8080"), recorder.stop, recorder)
    assert seeded == []
    out = capsys.readouterr().out
    assert out.startswith("\nJES is running: http://127.0.0.1:8080\n")
    assert "/dev/mailbox" not in out and "Demo" not in out
    assert "jes create-admin" in out  # how the first administrator comes to be


def test_development_mode_comes_from_the_configuration(tmp_path: Path) -> None:
    environ = {"JES_DATA_DIR": str(tmp_path)}
    assert Plan.load(resolve("all"), environ).dev_mode is False
    assert Plan.load(resolve("all"), {**environ, "JES_DEV_MODE": "1"}).dev_mode is True


def test_jes_run_dev_is_refused_on_a_non_loopback_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JES_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JES_BIND_HOST", "0.0.0.0")
    monkeypatch.delenv("JES_DEV_MODE", raising=False)
    assert cli.main(["run", "--dev", "--target=all"]) == 2
    err = capsys.readouterr().err
    assert "JES_DEV_MODE" in err and "JES_BIND_HOST=0.0.0.0" in err and "loopback" in err


def test_one_service_runs_alone_without_hooks_or_welcome(
    seeded: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    recorder = Recorder(threading.Event(), stop_after="identity")
    plan = Plan(resolve("identity"))
    assert not plan.all_in_one
    run_plan(plan, recorder.stop, recorder)
    assert recorder.events == ["start identity", "stop identity"]
    assert seeded == []
    assert capsys.readouterr().out == ""


def test_the_gateway_alone_prints_no_welcome(capsys: pytest.CaptureFixture[str]) -> None:
    recorder = Recorder(threading.Event(), stop_after="gateway")
    run_plan(Plan(resolve("gateway")), recorder.stop, recorder)
    assert recorder.events == ["start gateway", "stop gateway"]
    assert capsys.readouterr().out == ""


def test_a_failed_start_stops_what_had_started_in_reverse(seeded: list[str]) -> None:
    recorder = Recorder(threading.Event(), fail_on="review-workflow")
    with pytest.raises(RuntimeError, match="review-workflow failed to start"):
        run_plan(Plan(resolve("all")), recorder.stop, recorder)
    assert recorder.events == [
        "start identity",
        "start report-render",
        "start photo-storage",
        "stop photo-storage",
        "stop report-render",
        "stop identity",
    ]


def test_a_stop_requested_while_starting_starts_nothing_more(seeded: list[str]) -> None:
    recorder = Recorder(threading.Event(), stop_after="identity")  # SIGTERM meanwhile
    run_plan(Plan(resolve("all")), recorder.stop, recorder)
    assert recorder.events == ["start identity", "stop identity"]


def test_all_in_one_drops_the_settings_of_one_service() -> None:
    environ = {"JES_DATABASE_URL": "sqlite:///x.db", "JES_GRPC_PORT": "1", "JES_LOG_LEVEL": "DEBUG"}
    assert service_environ(True, environ) == {"JES_LOG_LEVEL": "DEBUG"}
    assert service_environ(False, environ) == environ


def test_plan_loads_per_service_defaults_in_all_in_one(tmp_path: Path) -> None:
    environ = {
        "JES_DATA_DIR": str(tmp_path),
        "JES_DATABASE_URL": "sqlite:///shared.db",
        "JES_GRPC_PORT": "50999",
        "JES_METRICS_PORT": "9999",
    }
    plan = Plan.load(resolve("all"), environ)
    identity = plan.configs["identity"]
    assert identity.database_url == f"sqlite:///{tmp_path}/identity.db"
    assert (identity.grpc_port, identity.metrics_port) == (50051, 9101)
    assert plan.public_url == "http://127.0.0.1:8080"
    assert plan.log_name == "jes"
    alone = Plan.load(resolve("identity"), environ)
    assert alone.configs["identity"].database_url == "sqlite:///shared.db"
    assert alone.configs["identity"].grpc_port == 50999
    assert alone.log_name == "identity"


def test_plan_reports_every_configuration_problem_once(tmp_path: Path) -> None:
    environ = {"JES_DATA_DIR": str(tmp_path), "JES_LOG_LEVEL": "LOUD", "JES_HTTP_PORT": "x"}
    with pytest.raises(ConfigError) as raised:
        Plan.load(resolve("all"), environ)
    assert raised.value.problems == [
        "JES_HTTP_PORT must be a whole number, got 'x'",
        "JES_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR; got 'LOUD'",
    ]


def test_welcome_without_hooks() -> None:
    assert welcome("http://h", [], dev_mode=True) == (
        "\nJES is running: http://h\n\nMail sent by JES: http://h/dev/mailbox\n"
        "Ctrl-C stops everything.\n"
    )


@pytest.mark.parametrize("mod", [m for m in MODULES if m.kind == "service"], ids=lambda m: m.name)
def test_python_dash_m_of_a_service_is_jes_run_of_its_target(mod: Module) -> None:
    main = ROOT / "services" / mod.name / "src" / mod.python_package / "__main__.py"
    assert f'main_for("{mod.name}")' in main.read_text()


def test_jes_run_refuses_an_unknown_target(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--target=photos"]) == 2
    assert "unknown target 'photos'" in capsys.readouterr().err


def test_jes_graph_prints_the_readme_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["graph", "--format=markdown"]) == 0
    assert capsys.readouterr().out.strip() in (ROOT / "README.md").read_text()


def test_jes_graph_prints_an_image_s_debian_packages(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["graph", "--debian-packages=report-render"]) == 0
    assert capsys.readouterr().out == (
        "wkhtmltopdf=0.12.6-2+b1 fonts-noto-cjk=1:20220127+repack1-1\n"
    )
    assert cli.main(["graph", "--debian-packages=identity"]) == 0
    assert capsys.readouterr().out == "\n"


def test_jes_health_of_the_gateway_asks_healthz(monkeypatch: pytest.MonkeyPatch) -> None:
    class Healthz(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Healthz)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("JES_HTTP_PORT", str(server.server_address[1]))
        assert cli.main(["health", "--target=gateway"]) == 0
    finally:
        server.shutdown()
        server.server_close()
    assert cli.main(["health", "--target=gateway"]) == 1  # nothing listens any more


def test_jes_health_refuses_an_unknown_target(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["health", "--target=photos"]) == 2
    assert "unknown module 'photos'" in capsys.readouterr().err


def test_jes_health_of_a_service_runs_grpc_health_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """On the plaintext health-only port (gRPC + 1000): the gRPC port needs a client
    certificate, which a container health check does not have."""
    executed: list[list[str]] = []

    def execvp(file: str, args: list[str]) -> None:
        executed.append(args)
        raise SystemExit(0)

    monkeypatch.setattr(cli.os, "execvp", execvp)
    monkeypatch.setenv("JES_GRPC_PORT", "50051")
    with pytest.raises(SystemExit):
        cli.main(["health", "--target=identity"])
    assert executed == [
        [
            "grpc_health_probe",
            "-addr=127.0.0.1:51051",
            "-connect-timeout=4s",
            "-rpc-timeout=4s",
        ]
    ]


# -- memory ----------------------------------------------------------------------------

ARENAS_AFTER_THREADS = r"""
import ctypes, re, sys, tempfile, threading
from jes_platform.runtime import limit_malloc_arenas
limit_malloc_arenas()
def work():
    keep = [bytes(100_000) for _ in range(50)]
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile(suffix=".xml") as out:
    handle = libc.fopen(out.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(handle))
    libc.fclose(ctypes.c_void_p(handle))
    print(len(re.findall(r"<heap nr=", open(out.name).read())))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc")
def test_the_runtime_keeps_malloc_to_two_arenas():
    """glibc gives each new thread an arena of its own (up to 8 per CPU), and each keeps
    the freed pages of the photos it handled: the all-in-one platform peaked at ~360 MB
    under two uploaders, ~240 MB with two arenas (bench/bench_upload.py)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run(
        [sys.executable, "-c", ARENAS_AFTER_THREADS],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert int(out) <= 2


def test_run_limits_the_arenas_before_it_starts_anything(monkeypatch):
    calls = []
    monkeypatch.setattr(runtime, "limit_malloc_arenas", lambda: calls.append("limited"))
    assert runtime.run("no-such-target", {}) == 2
    assert calls == ["limited"]


def test_the_gateway_reads_a_request_body_in_large_pieces(monkeypatch, tmp_path):
    """Waitress reads 8 kB per turn of its loop by default: a 4 MB photo took ~500 turns
    and ~15 ms of CPU (bench/bench_upload.py, per-thread CPU)."""
    from support.processes import free_port

    gateway = next(m for m in MODULES if m.name == "gateway")
    environ = {"JES_DATA_DIR": str(tmp_path), "JES_HTTP_PORT": str(free_port())}
    config = runtime._gateway_config(environ)
    server = runtime.GatewayServer(gateway, config)
    try:
        assert server.server.adj.recv_bytes >= 64 * 1024
    finally:
        server.stop()
