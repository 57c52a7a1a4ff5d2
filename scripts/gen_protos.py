"""Generate Python code for every .proto under protos/ into libs/protos/src/jes (git-ignored).

Skips the work when the output is newer than every proto, so `make` stays fast.
"""

from __future__ import annotations

import shutil
import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
OUT = ROOT / "libs" / "protos" / "src"
STAMP = OUT / "jes" / ".generated"


def typing_args() -> list[str]:
    """Typed stubs for messages and services (mypy-protobuf), so mypy checks every request,
    response and RPC name; an image build without the dev tools gets protoc's plain .pyi."""
    bin_dir = Path(sys.executable).parent
    mypy_plugin, grpc_plugin = bin_dir / "protoc-gen-mypy", bin_dir / "protoc-gen-mypy_grpc"
    if not (mypy_plugin.exists() and grpc_plugin.exists()):
        return [f"--pyi_out={OUT}"]
    return [
        f"--plugin=protoc-gen-mypy={mypy_plugin}",
        f"--plugin=protoc-gen-mypy_grpc={grpc_plugin}",
        f"--mypy_out={OUT}",
        f"--mypy_grpc_out={OUT}",
    ]


def main() -> int:
    protos = sorted(PROTO_ROOT.rglob("*.proto"))
    newest = max(p.stat().st_mtime for p in [*protos, Path(__file__)])
    if STAMP.exists() and STAMP.stat().st_mtime >= newest:
        return 0
    shutil.rmtree(OUT / "jes", ignore_errors=True)
    well_known = str(resources.files("grpc_tools") / "_proto")
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={OUT}",
        f"--grpc_python_out={OUT}",
        *typing_args(),
        *[str(p.relative_to(PROTO_ROOT)) for p in protos],
    ]
    if protoc.main(args) != 0:
        print("protoc failed", file=sys.stderr)
        return 1
    # Regular packages (not namespace ones) so tools and importers agree.
    for folder in [OUT / "jes", *(p for p in (OUT / "jes").rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    STAMP.touch()
    print(f"generated code for {len(protos)} protos into {OUT / 'jes'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
