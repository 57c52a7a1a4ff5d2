"""`jes`: run JES, all of it in one process or one module, and show its module graph.

  jes run --target=all            every service and the gateway (embedded defaults)
  jes run --target=identity       one service, as in its own container (= python -m jes_identity)
  jes run --target=gateway        the web gateway only
  jes graph                       the modules: what each calls, consumes and emits
  jes graph --format=markdown     the README's architecture table
  jes graph --debian-packages=report-render   the image's DEB_PACKAGES build argument
  jes health                      the image's health check (JES_TARGET says which module)

--target defaults to $JES_TARGET (set in the images), else `all`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request

from jes_platform import graph
from jes_platform.registry import MODULES, RegistryError, module, targets


def health(target: str) -> int:
    """0 when the module of this container answers its health check (Docker HEALTHCHECK)."""
    try:
        mod = module(target)
    except RegistryError as exc:
        print(exc, file=sys.stderr)
        return 2
    if mod.kind == "gateway":
        port = os.environ.get("JES_HTTP_PORT", "8080")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4):
                return 0
        except OSError as exc:
            print(f"gateway not healthy: {exc}", file=sys.stderr)
            return 1
    port = os.environ.get("JES_GRPC_PORT", "50051")
    probe = [
        "grpc_health_probe",
        f"-addr=127.0.0.1:{port}",
        "-connect-timeout=4s",
        "-rpc-timeout=4s",
    ]
    os.execvp(probe[0], probe)  # noqa: S606


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="jes", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    default_target = os.environ.get("JES_TARGET") or "all"
    choices = ", ".join(targets())
    run_parser = commands.add_parser("run", help="run the platform or one module")
    run_parser.add_argument(
        "--target",
        default=default_target,
        help=f"one of {choices}; or a comma-separated list of modules (default: {default_target})",
    )
    graph_parser = commands.add_parser("graph", help="print the module registry")
    graph_parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    graph_parser.add_argument(
        "--debian-packages",
        metavar="MODULE",
        help="print the pinned Debian packages the module's image adds (DEB_PACKAGES)",
    )
    health_parser = commands.add_parser(
        "health", help="check the health of this container's module"
    )
    health_parser.add_argument("--target", default=os.environ.get("JES_TARGET") or "gateway")
    args = parser.parse_args(argv)

    if args.command == "run":
        from jes_platform.runtime import run

        return run(args.target)
    if args.command == "health":
        return health(args.target)
    if args.debian_packages:
        try:
            print(" ".join(module(args.debian_packages).debian_packages))
        except RegistryError as exc:
            parser.error(str(exc))
        return 0
    if args.format == "markdown":
        print(graph.markdown_table(MODULES))
    elif args.format == "json":
        print(json.dumps(graph.as_dict(MODULES), indent=2, ensure_ascii=False))
    else:
        print(graph.text(MODULES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
