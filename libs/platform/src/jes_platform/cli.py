"""`jes`: run JES, all of it in one process or one module, and show its module graph.

  jes run --target=all            every service and the gateway (embedded defaults)
  jes run --target=identity       one service, as in its own container (= python -m jes_identity)
  jes run --target=gateway        the web gateway only
  jes graph                       the modules: what each calls, consumes and emits
  jes graph --format=markdown     the README's architecture table
  jes graph --debian-packages=report-render   the image's DEB_PACKAGES build argument
  jes health                      the image's health check (JES_TARGET says which module)
  jes pki init                    the JES internal CA in $JES_DATA_DIR/pki/ca (kept if there)
  jes pki issue --service=photo-storage      a module's certificate (tls.crt, tls.key, ca.crt)
  jes pki issue --court-system=TPD           a court system's certificate, for its court only
  jes pki issue --all-services               every module's certificate (deploy/local)

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
    # The plaintext health-only port: the gRPC port itself needs a client certificate.
    grpc_port = int(os.environ.get("JES_GRPC_PORT") or 50051)
    port = os.environ.get("JES_HEALTH_PORT") or str(grpc_port + 1000)
    probe = [
        "grpc_health_probe",
        f"-addr=127.0.0.1:{port}",
        "-connect-timeout=4s",
        "-rpc-timeout=4s",
    ]
    os.execvp(probe[0], probe)  # noqa: S606


def pki(args: argparse.Namespace) -> int:
    """`jes pki init|issue`: the internal CA and the certificates it signs (mutual TLS)."""
    from pathlib import Path

    from jes_auth.pki import CertificateAuthority, PeerIdentity

    folder = Path(args.dir or Path(os.environ.get("JES_DATA_DIR") or "var") / "pki").resolve()
    ca = CertificateAuthority.init(folder / "ca")
    if args.pki_command == "init":
        print(f"CA: {folder / 'ca' / 'ca.crt'} (key {folder / 'ca' / 'ca.key'}, mode 0600)")
        return 0
    identities = [PeerIdentity("service", name) for name in args.service]
    identities += [PeerIdentity("court-system", code.upper()) for code in args.court_system]
    if args.all_services:
        identities += [PeerIdentity("service", m.name) for m in MODULES]
    if not identities:
        print("name a --service, a --court-system or --all-services", file=sys.stderr)
        return 2
    for identity in identities:
        name = identity.name if identity.is_service else f"court-system-{identity.name}"
        out = folder / name
        try:
            ca.issue(identity, out, dns_names=tuple(args.dns))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(f"{identity.uri}: {out}/tls.crt, tls.key (0600), ca.crt")
    return 0


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
    pki_parser = commands.add_parser("pki", help="the internal CA and its certificates")
    pki_commands = pki_parser.add_subparsers(dest="pki_command", required=True)
    for pki_command in ("init", "issue"):
        sub = pki_commands.add_parser(pki_command)
        sub.add_argument("--dir", help="the PKI folder (default: $JES_DATA_DIR/pki)")
        if pki_command == "issue":
            sub.add_argument("--service", action="append", default=[], metavar="MODULE")
            sub.add_argument("--court-system", action="append", default=[], metavar="COURT")
            sub.add_argument("--all-services", action="store_true")
            sub.add_argument(
                "--dns", action="append", default=[], help="another DNS name for the certificate"
            )
    args = parser.parse_args(argv)

    if args.command == "run":
        from jes_platform.runtime import run

        return run(args.target)
    if args.command == "health":
        return health(args.target)
    if args.command == "pki":
        return pki(args)
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
