"""`jes`: run the platform, all of it in one process or one component.

jes run --target=all            every service and the gateway (embedded defaults)
jes run --target=identity       one service, as in its own container
jes run --target=gateway        the web gateway only
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import threading

from jes_config import SERVICES, ConfigError, ServiceConfig
from jes_gateway import demo
from jes_grpckit import configure_logging

log = logging.getLogger("jes")

TARGETS = [*SERVICES, "gateway"]


def service_module(name: str) -> str:
    return f"jes_{name.replace('-', '_')}.app"


# Settings that name one service's own database or ports: in one process they would
# make every service share them, so all-in-one uses the per-service defaults instead.
PER_SERVICE_SETTINGS = ("JES_DATABASE_URL", "JES_GRPC_PORT", "JES_METRICS_PORT")


def service_environ(all_in_one: bool) -> dict[str, str]:
    environ = dict(os.environ)
    if all_in_one:
        for name in PER_SERVICE_SETTINGS:
            environ.pop(name, None)
    return environ


def serve_gateway(port: int, stop: threading.Event) -> None:
    from waitress.server import create_server

    from jes_gateway.app import create_app
    from jes_gateway.config import GatewayConfig

    config = GatewayConfig.load()
    server = create_server(create_app(config), host=config.platform.bind_host, port=port, threads=8)
    threading.Thread(target=server.run, name="http", daemon=True).start()
    stop.wait()
    server.close()


def print_welcome(url: str, demo_accounts: list[tuple[str, str]]) -> None:
    lines = [f"\nJES is running: {url}\n"]
    if demo_accounts:
        lines.append(f"Demo logins (password {demo.DEMO_PASSWORD}):")
        lines += [f"  {account_id:<10} {name}" for account_id, name in demo_accounts]
    lines.append(f"Mail sent by JES: {url}/dev/mailbox\nCtrl-C stops everything.\n")
    print("\n".join(lines), flush=True)


def run(targets: list[str]) -> int:
    from jes_gateway.config import GatewayConfig

    try:
        gateway_config = GatewayConfig.load()
        configs = {
            name: ServiceConfig.load(name, service_environ(len(targets) > 1))
            for name in targets
            if name in SERVICES
        }
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging("jes", gateway_config.platform.log_level)
    one_process = len(targets) > 1  # several components share this process
    demo_accounts: list[tuple[str, str]] = []
    kits = []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        for name in SERVICES:
            if name not in configs:
                continue
            build = importlib.import_module(service_module(name)).build
            # One process: one /metrics (the gateway's) instead of a port per service.
            kit = build(configs[name], metrics=not one_process)
            kit.start()
            kits.append(kit)
            if name == "identity" and one_process:
                demo_accounts = demo.seed(kit.db)
        if "gateway" in targets:
            url = gateway_config.platform.public_url
            if one_process:
                print_welcome(url, demo_accounts)
            serve_gateway(gateway_config.http_port, stop)
        else:
            stop.wait()
    finally:
        for kit in reversed(kits):
            kit.stop()
    log.info("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="jes", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run the platform or one component")
    run_parser.add_argument(
        "--target",
        default="all",
        help=f"all, or a comma-separated list of: {', '.join(TARGETS)}",
    )
    args = parser.parse_args(argv)
    targets = TARGETS if args.target == "all" else args.target.split(",")
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    return run(targets)


if __name__ == "__main__":
    sys.exit(main())
