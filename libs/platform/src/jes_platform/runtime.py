"""The one runtime: start the selected modules in dependency order, stop them in reverse.

`jes run --target=all`, `jes run --target=identity` and `python -m jes_identity` all come
here. When several modules share the process (all-in-one), settings that name one
service's own database or ports are dropped, the gateway serves the only /metrics, the
modules' all-in-one hooks run (identity seeds the demo accounts) and a welcome text
tells where JES runs.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from jes_config import ConfigError, ServiceConfig
from jes_platform.registry import Module, RegistryError, resolve

__all__ = ["PER_SERVICE_SETTINGS", "Plan", "Running", "main_for", "run", "service_environ"]

log = logging.getLogger("jes")

# Settings that name one service's own database or ports: in one process they would
# make every service share them, so all-in-one uses the per-service defaults instead.
PER_SERVICE_SETTINGS = (
    "JES_DATABASE_URL",
    "JES_GRPC_PORT",
    "JES_METRICS_PORT",
    "JES_HEALTH_PORT",
    "JES_TLS_CERT_FILE",
    "JES_TLS_KEY_FILE",
    "JES_TLS_CA_FILE",
)


class Running(Protocol):
    """A started module."""

    def stop(self) -> None: ...


def service_environ(all_in_one: bool, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    environ = dict(os.environ if environ is None else environ)
    if all_in_one:
        for name in PER_SERVICE_SETTINGS:
            environ.pop(name, None)
    return environ


def load_function(reference: str) -> Callable[..., Any]:
    """'package.module:function' -> the function."""
    module_name, _, function = reference.partition(":")
    return getattr(importlib.import_module(module_name), function)


@dataclass
class Plan:
    """What one `jes run` starts, with its configuration loaded and checked."""

    modules: list[Module]
    configs: dict[str, Any] = field(default_factory=dict)  # module name -> its config
    public_url: str = ""
    log_level: str = "INFO"

    @property
    def all_in_one(self) -> bool:
        """Several modules share this process."""
        return len(self.modules) > 1

    @property
    def log_name(self) -> str:
        return "jes" if self.all_in_one else self.modules[0].name

    @classmethod
    def load(cls, modules: list[Module], environ: Mapping[str, str] | None = None) -> Plan:
        plan = cls(modules)
        problems: list[str] = []
        for mod in modules:
            try:
                if mod.kind == "gateway":
                    config = _gateway_config(environ)
                    plan.public_url = config.platform.public_url
                else:
                    config = ServiceConfig.load(mod.name, service_environ(plan.all_in_one, environ))
                plan.log_level = config.platform.log_level
                plan.configs[mod.name] = config
            except ConfigError as exc:
                problems += [p for p in exc.problems if p not in problems]
        if problems:
            raise ConfigError(problems)
        return plan


def _gateway_config(environ: Mapping[str, str] | None) -> Any:
    from jes_gateway.config import GatewayConfig

    return GatewayConfig.load(environ)


def start_service(mod: Module, config: ServiceConfig, all_in_one: bool) -> Any:
    """Build the service from its app module and start it; returns its ServiceKit."""
    build = load_function(f"{mod.app}:build")
    # One process: one /metrics (the gateway's) instead of a port per service, and no
    # plaintext health ports (probes are for containers; the gateway's /readyz covers it).
    kit = build(config, metrics=not all_in_one, probes=not all_in_one)
    log.info(
        "%s starting (gRPC %d, metrics %s)",
        mod.name,
        config.grpc_port,
        "off" if all_in_one else config.metrics_port,
    )
    kit.start()
    return kit


class GatewayServer:
    """The gateway's WSGI app (`create_app(config)`) served by waitress on its own thread."""

    def __init__(self, mod: Module, config: Any):
        from waitress.server import create_server

        create_app = load_function(f"{mod.app}:create_app")
        self.server: Any = create_server(
            create_app(config), host=config.platform.bind_host, port=config.http_port, threads=8
        )
        self.thread = threading.Thread(target=self.server.run, name="http", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.close()


def welcome(url: str, hook_lines: Sequence[str]) -> str:
    lines = [f"\nJES is running: {url}\n", *hook_lines]
    lines.append(f"Mail sent by JES: {url}/dev/mailbox\nCtrl-C stops everything.\n")
    return "\n".join(lines)


Starter = Callable[[Module, Any, bool], Running]


def _start(mod: Module, config: Any, all_in_one: bool) -> Running:
    if mod.kind == "gateway":
        server = GatewayServer(mod, config)
        server.start()
        return server
    return start_service(mod, config, all_in_one)


def run_plan(plan: Plan, stop: threading.Event, starter: Starter = _start) -> None:
    """Start every module of the plan in order, wait for `stop`, stop them in reverse."""
    started: list[tuple[Module, Running]] = []
    hook_lines: list[str] = []
    try:
        for mod in plan.modules:
            if stop.is_set():  # SIGTERM while starting: start no more
                break
            running = starter(mod, plan.configs.get(mod.name), plan.all_in_one)
            started.append((mod, running))
            if plan.all_in_one:
                for hook in mod.all_in_one_hooks:
                    hook_lines += load_function(hook)(running)
        everything_started = len(started) == len(plan.modules)
        if (
            everything_started
            and plan.all_in_one
            and any(m.kind == "gateway" for m in plan.modules)
        ):
            print(welcome(plan.public_url, hook_lines), flush=True)
        stop.wait()
    finally:
        for mod, running in reversed(started):
            try:
                running.stop()
            except Exception:
                log.exception("error while stopping %s", mod.name)


def run(target: str, environ: Mapping[str, str] | None = None) -> int:
    """`jes run --target=<target>`: exit status 2 on a bad target or configuration."""
    from jes_grpckit import configure_logging

    try:
        plan = Plan.load(resolve(target), environ)
    except (ConfigError, RegistryError) as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(plan.log_name, plan.log_level)
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    run_plan(plan, stop)
    log.info("stopped")
    return 0


def main_for(name: str) -> None:
    """`python -m jes_<service>`: the same as `jes run --target=<service>`."""
    sys.exit(run(name))
