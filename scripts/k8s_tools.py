"""The tools `make k8s-validate` needs, installed by the project itself into $JES_CACHE.

* helm: built from source with `go install` through the Go module proxy (a few minutes
  once; cached in $JES_CACHE/helm-<version>/bin), with the same link flags as helm's own
  Makefile so `helm version` and the default Kubernetes version are right.
* the Prometheus Operator CRDs (ServiceMonitor, PrometheusRule): read from the Go module
  github.com/prometheus-operator/prometheus-operator (module cache; checksum-verified by
  the Go toolchain), to validate those objects against their real OpenAPI schemas.
* the Kubernetes API schemas come from the PyPI package kubernetes-validate (dev group
  of uv.lock), see k8s_validate.py.

    python scripts/k8s_tools.py     install and print the paths
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELM_VERSION = "v3.22.0"
PROMETHEUS_OPERATOR_VERSION = "v0.85.0"
CERT_MANAGER_VERSION = "v1.16.2"
PROMETHEUS_CRDS = "example/prometheus-operator-crd"
# (apiVersion, kind) -> (Go module, version, the CRD file in it)
CRD_FILES = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): (
        "github.com/prometheus-operator/prometheus-operator",
        PROMETHEUS_OPERATOR_VERSION,
        f"{PROMETHEUS_CRDS}/monitoring.coreos.com_servicemonitors.yaml",
    ),
    ("monitoring.coreos.com/v1", "PrometheusRule"): (
        "github.com/prometheus-operator/prometheus-operator",
        PROMETHEUS_OPERATOR_VERSION,
        f"{PROMETHEUS_CRDS}/monitoring.coreos.com_prometheusrules.yaml",
    ),
    # the charts' optional Certificates (global.jes.tls.certManager)
    ("cert-manager.io/v1", "Certificate"): (
        "github.com/cert-manager/cert-manager",
        CERT_MANAGER_VERSION,
        "deploy/crds/crd-certificates.yaml",
    ),
}


def cache_dir() -> Path:
    return Path(os.environ.get("JES_CACHE") or ROOT / ".cache").resolve()


def go_env() -> dict[str, str]:
    cache = cache_dir()
    env = dict(os.environ)
    env.update(
        GOTOOLCHAIN="local",
        GOMODCACHE=str(cache / "go" / "mod"),
        GOCACHE=str(cache / "go" / "build"),
        CGO_ENABLED="0",
    )
    return env


def _go(*args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["go", *args], env=env or go_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"go {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result.stdout


def module_dir(module: str, version: str) -> Path:
    """Download a Go module (once) and return its folder in the module cache."""
    info = json.loads(_go("mod", "download", "-json", f"{module}@{version}"))
    if info.get("Error"):
        raise RuntimeError(f"{module}@{version}: {info['Error']}")
    return Path(info["Dir"])


def helm_env() -> dict[str, str]:
    """helm keeps its configuration, cache and data away from the user's home."""
    home = cache_dir() / "helm-home"
    env = dict(os.environ)
    env.update(
        HELM_CACHE_HOME=str(home / "cache"),
        HELM_CONFIG_HOME=str(home / "config"),
        HELM_DATA_HOME=str(home / "data"),
    )
    return env


def helm() -> Path:
    """Path of the pinned helm binary, built on first use."""
    binary = cache_dir() / f"helm-{HELM_VERSION}" / "bin" / "helm"
    if binary.exists():
        return binary
    print(f"[k8s] building helm {HELM_VERSION} with go install (once, a few minutes) ...")
    source = module_dir("helm.sh/helm/v3", HELM_VERSION)
    # the Kubernetes version helm assumes by default, as helm's Makefile derives it
    client_go = re.search(r"k8s\.io/client-go v0\.(\d+)\.", (source / "go.mod").read_text())
    if not client_go:
        raise RuntimeError("cannot find the k8s.io/client-go version in helm's go.mod")
    minor = client_go.group(1)
    ldflags = " ".join(
        [
            "-s -w",
            f"-X helm.sh/helm/v3/internal/version.version={HELM_VERSION}",
            "-X helm.sh/helm/v3/internal/version.gitTreeState=clean",
            "-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1",
            f"-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor={minor}",
            "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1",
            f"-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor={minor}",
        ]
    )
    env = go_env()
    env["GOBIN"] = str(binary.parent)
    _go(
        "install",
        "-trimpath",
        f"-ldflags={ldflags}",
        f"helm.sh/helm/v3/cmd/helm@{HELM_VERSION}",
        env=env,
    )
    return binary


def crd_schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> the OpenAPI v3 schema of the CRD version."""
    import yaml

    schemas = {}
    for (api_version, kind), (module, version, name) in CRD_FILES.items():
        # cert-manager's CRD files carry Helm markers only in comments and quoted labels
        crd = yaml.safe_load((module_dir(module, version) / name).read_text())
        group, version = api_version.split("/")
        assert crd["spec"]["group"] == group and crd["spec"]["names"]["kind"] == kind
        for entry in crd["spec"]["versions"]:
            if entry["name"] == version:
                schemas[(api_version, kind)] = entry["schema"]["openAPIV3Schema"]
    return schemas


def main() -> int:
    print(f"helm: {helm()}")
    for key in crd_schemas():
        print(f"schema: {key[0]} {key[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
