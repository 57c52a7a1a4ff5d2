"""Validate everything JES ships for Kubernetes (`make k8s-validate`, part of `make test`).

1. Dockerfile: lint the one root Dockerfile (scripts/k8s_dockerlint.py, hadolint's rules +
   the project's); no module keeps its own copy.
   Module graph: jes_platform's registry is consistent; every module has a chart and its
   workspace package; each chart's networkPolicy.allowedCallers (also where a values
   file of deploy/k8s or the umbrella sets it) is exactly the modules that call it in the
   registry; the README's architecture table is the registry's
   (`jes graph --format=markdown`); the Dockerfile takes the TARGET and DEB_PACKAGES build
   arguments and the registry's DEB_PACKAGES are pinned, run-time only packages.
2. Dashboards: deploy/k8s/dashboards and the charts' copies are what
   scripts/k8s_dashboards.py generates.
3. Values: every value of every chart is documented (`## @param`), the global.jes
   defaults are the same in every chart, chart versions agree.
4. Helm: `helm lint --strict` and `helm template` of every chart with its default
   values and the production values (deploy/k8s/values-production.yaml; for a
   component chart, its section of it), and the umbrella chart also with
   deploy/k8s/values-dev.yaml. Charts are copied to a temporary folder, so dependency
   builds leave nothing behind.
5. Schemas: every rendered object validated offline against the Kubernetes API
   schemas (PyPI kubernetes-validate, strict: unknown fields fail) for the oldest and
   the newest supported Kubernetes, and ServiceMonitor/PrometheusRule against the
   Prometheus Operator CRDs.
6. Policy: hardened pods (non-root, read-only root, no capabilities, seccomp, no
   service account token), probes, resources, labels, NetworkPolicies, migration
   hooks, and every address and Secret a pod refers to exists.
7. Metrics: every metric and label a dashboard or an alert uses is exported by the
   services (their Prometheus registry after import); documented metrics the code
   does not export yet are listed as warnings.

   python scripts/k8s_validate.py [-v]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import k8s_dashboards
import k8s_dockerlint
import k8s_metrics
import k8s_tools

from jes_platform import graph as module_graph
from jes_platform import registry

ROOT = Path(__file__).resolve().parent.parent
CHARTS = ROOT / "charts"
DEPLOY = ROOT / "deploy" / "k8s"
# the modules of jes_platform's registry, each with its own chart and image
SERVICES = [m.name for m in registry.MODULES if m.kind == "service"]
COMPONENTS = [m.name for m in registry.MODULES]
# charts in dependency order: the library first, the umbrella last
CHART_ORDER = ["common", *COMPONENTS, "jes"]
# oldest (Chart.yaml kubeVersion) and newest Kubernetes the objects must be valid for
KUBE_VERSIONS = ["1.29.0", "1.37.0"]
NAMESPACE = "jes"
RELEASE = "jes"
# the values each render used (for the Secrets they expect to exist)
RENDER_VALUES: dict[str, dict] = {}
REQUIRED_LABELS = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/part-of",
    "helm.sh/chart",
]


class Report:
    def __init__(self, verbose: bool):
        self.verbose = verbose
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.started = time.monotonic()

    def step(self, name: str, run: Callable[[], Iterable[str] | None]) -> None:
        began = time.monotonic()
        found = list(run() or [])
        self.problems += [f"[{name}] {p}" for p in found]
        status = "ok" if not found else f"{len(found)} problem(s)"
        print(f"[k8s] {name:<10} {status:<14} {time.monotonic() - began:5.1f}s", flush=True)
        if self.verbose or found:
            for problem in found:
                print(f"    {problem}")


# ---- helm -------------------------------------------------------------------------


def run(command: list[str], cwd: Path | None = None) -> tuple[int, str]:
    result = subprocess.run(
        command, cwd=cwd, env=k8s_tools.helm_env(), capture_output=True, text=True, check=False
    )
    return result.returncode, result.stdout + result.stderr


def value_sets(workdir: Path) -> dict[str, dict[str, Path | None]]:
    """chart -> {values name: values file (None = the chart's defaults)}."""
    production = yaml.safe_load((DEPLOY / "values-production.yaml").read_text())
    sets: dict[str, dict[str, Path | None]] = {
        "jes": {
            "default": None,
            "dev": DEPLOY / "values-dev.yaml",
            "production": DEPLOY / "values-production.yaml",
        }
    }
    for chart in COMPONENTS:
        derived = {"global": production.get("global", {}), **production.get(chart, {})}
        path = workdir / f"values-production-{chart}.yaml"
        path.write_text(yaml.safe_dump(derived, sort_keys=False))
        sets[chart] = {"default": None, "production": path}
    return sets


def helm_checks(helm: Path, workdir: Path, renders: dict[str, list[dict]]) -> list[str]:
    problems = []
    charts = workdir / "charts"
    shutil.copytree(CHARTS, charts, ignore=shutil.ignore_patterns("*.tgz", "Chart.lock", "charts"))

    def dependency_update(chart: str) -> str:
        code, out = run([str(helm), "dependency", "update", "--skip-refresh", str(charts / chart)])
        return f"helm dependency update {chart}: {out.strip()}" if code else ""

    # the components (they need the library) in parallel, then the umbrella (needs them)
    with ThreadPoolExecutor(max_workers=4) as pool:
        problems += [p for p in pool.map(dependency_update, COMPONENTS) if p]
    problems += [p for p in [dependency_update("jes")] if p]
    if problems:
        return problems
    jobs = []
    for chart, sets in value_sets(workdir).items():
        for name, values in sets.items():
            extra = ["-f", str(values)] if values else []
            jobs.append((chart, name, extra))

    def lint_and_template(job: tuple[str, str, list[str]]) -> tuple[str, list[str], list[dict]]:
        chart, name, extra = job
        label = f"{chart} ({name} values)"
        RENDER_VALUES[label] = yaml.safe_load(Path(extra[1]).read_text()) if extra else {}
        found = []
        code, out = run([str(helm), "lint", "--strict", str(charts / chart), *extra])
        if code:
            found.append(f"helm lint {label}:\n{out.strip()}")
        code, out = run(
            [str(helm), "template", RELEASE, str(charts / chart), "--namespace", NAMESPACE, *extra]
        )
        if code:
            found.append(f"helm template {label}:\n{out.strip()}")
            return label, found, []
        docs = [d for d in yaml.load_all(out, Loader=yaml.CSafeLoader) if d]
        return label, found, docs

    with ThreadPoolExecutor(max_workers=4) as pool:
        for label, found, docs in pool.map(lint_and_template, jobs):
            problems += found
            renders[label] = docs
    return problems


# ---- dashboards ----------------------------------------------------------------------------


def dashboard_checks() -> list[str]:
    """Generated files up to date, and each dashboard well formed for Grafana."""
    problems = [] if k8s_dashboards.main(["--check"]) == 0 else ["out of date"]
    uids: set[str] = set()
    for path in sorted((DEPLOY / "dashboards").glob("*.json")):
        name = path.name
        board = json.loads(path.read_text())
        if board.get("uid") in uids:
            problems.append(f"{name}: uid {board.get('uid')} is used twice")
        uids.add(board.get("uid"))
        ids = [panel.get("id") for panel in board["panels"]]
        if len(ids) != len(set(ids)):
            problems.append(f"{name}: panel ids are not unique")
        for panel in board["panels"]:
            grid = panel["gridPos"]
            if grid["x"] + grid["w"] > 24:
                problems.append(f"{name}: panel {panel['title']!r} is wider than the grid")
            if panel["type"] != "row" and (not panel.get("targets") or "datasource" not in panel):
                problems.append(f"{name}: panel {panel['title']!r} has no query or data source")
    return problems


# ---- values documentation ------------------------------------------------------------


def leaves(values: Any, prefix: str = "") -> Iterable[str]:
    if isinstance(values, dict) and values:
        for key, value in values.items():
            yield from leaves(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix


def values_checks() -> list[str]:
    problems = []
    globals_seen: dict[str, Any] = {}
    versions = {}
    for chart in CHART_ORDER:
        folder = CHARTS / chart
        meta = yaml.safe_load((folder / "Chart.yaml").read_text())
        versions[chart] = (meta["version"], meta.get("appVersion"))
        for dep in meta.get("dependencies", []):
            target = yaml.safe_load((folder / dep["repository"][7:] / "Chart.yaml").read_text())
            if dep["version"] != target["version"] or dep["name"] != target["name"]:
                problems.append(
                    f"{chart}: dependency {dep['name']} {dep['version']} "
                    f"is not the chart's version {target['version']}"
                )
        if chart == "common":
            continue
        text = (folder / "values.yaml").read_text()
        values = yaml.safe_load(text) or {}
        documented = set()
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("## @param "):
                parts = stripped.split(maxsplit=3)
                if len(parts) < 4:
                    problems.append(f"{chart}/values.yaml: @param {parts[2:]} has no description")
                documented.add(parts[2])
        paths = set(leaves(values))
        for path in sorted(paths):
            parts = path.split(".")
            if not any(".".join(parts[:n]) in documented for n in range(1, len(parts) + 1)):
                problems.append(
                    f"{chart}/values.yaml: {path} is not documented (## @param {path} ...)"
                )
        for param in sorted(documented):
            if not any(p == param or p.startswith(param + ".") for p in paths):
                problems.append(f"{chart}/values.yaml: @param {param} documents no value")
        globals_seen[chart] = values.get("global")
    reference = globals_seen["identity"]
    for chart, block in globals_seen.items():
        if block != reference:
            problems.append(
                f"{chart}/values.yaml: global differs from identity's (keep them identical)"
            )
    if len({v for v in versions.values()}) != 1:
        problems.append(f"chart versions differ: {versions}")
    return problems


# ---- module graph ------------------------------------------------------------------


def allowed_callers_problems(where: str, name: str, callers: Any) -> list[str]:
    """One values file's networkPolicy.allowedCallers of module `name` against the registry."""
    expected = set(registry.callers_of(name))
    have = set(callers or [])
    problems = []
    for caller in sorted(expected - have):
        problems.append(
            f"{where}: networkPolicy.allowedCallers lacks {caller} "
            f"(the registry says {caller} calls {name})"
        )
    for caller in sorted(have - expected):
        problems.append(
            f"{where}: networkPolicy.allowedCallers has {caller}, but in the registry "
            f"{caller} does not call {name} (add the call to "
            "libs/platform/src/jes_platform/registry.py or remove the caller)"
        )
    return problems


def module_graph_checks() -> list[str]:
    problems = [f"registry: {p}" for p in registry.check()]
    for mod in registry.MODULES:
        if not (CHARTS / mod.name / "Chart.yaml").exists():
            problems.append(f"registry: module {mod.name} has no chart (charts/{mod.name})")
        if not (ROOT / "services" / mod.name / "pyproject.toml").exists():
            problems.append(
                f"registry: module {mod.name} has no package services/{mod.name} "
                f"(the image builds {mod.package})"
            )
        chart_values = yaml.safe_load((CHARTS / mod.name / "values.yaml").read_text()) or {}
        policy = chart_values.get("networkPolicy") or {}
        if mod.kind == "service" or "allowedCallers" in policy:
            problems += allowed_callers_problems(
                f"charts/{mod.name}/values.yaml", mod.name, policy.get("allowedCallers")
            )
        for package in mod.debian_packages:
            if "=" not in package:
                problems.append(
                    f"registry: {mod.name}'s Debian package {package} has no version pin"
                )
            if k8s_dockerlint.BUILD_TOOLS.match(package):
                problems.append(f"registry: {mod.name}'s image would add build tool {package}")
    # values files that override a component's section
    overrides = [CHARTS / "jes" / "values.yaml", *sorted(DEPLOY.glob("values-*.yaml"))]
    for path in overrides:
        values = yaml.safe_load(path.read_text()) or {}
        for name in COMPONENTS:
            policy = (values.get(name) or {}).get("networkPolicy") or {}
            if "allowedCallers" in policy:
                problems += allowed_callers_problems(
                    f"{path.relative_to(ROOT)} ({name})", name, policy["allowedCallers"]
                )
    problems += [
        f"README.md architecture table: {p}"
        for p in module_graph.table_differences((ROOT / "README.md").read_text(), registry.MODULES)
    ]
    dockerfile = (ROOT / "Dockerfile").read_text()
    for argument in ("TARGET", "DEB_PACKAGES"):
        if f"ARG {argument}" not in dockerfile:
            problems.append(f"Dockerfile: no build argument {argument} (ARG {argument})")
    return problems


# ---- schemas ---------------------------------------------------------------------------


def schema_folder(version: str) -> Any:
    return (
        resources.files("kubernetes_validate")
        / "kubernetes-json-schema"
        / f"v{version}-local-strict"
    )


@cache
def kube_registry(version: str) -> Any:
    """The shared definitions of one Kubernetes version, crawled once."""
    from referencing import Registry, Resource

    definitions = json.loads((schema_folder(version) / "_definitions.json").read_text())
    return (
        Registry()
        .with_resource("/api/_definitions.json", Resource.from_contents(definitions))
        .crawl()
    )


@cache
def kube_validator(version: str, kind: str, api_version: str) -> Any:
    """Strict validator of one kind (None if Kubernetes `version` has no such kind)."""
    import jsonschema

    group, _, api = api_version.rpartition("/")
    group = group.split(".")[0]
    schema_file = (
        schema_folder(version) / f"{kind.lower()}-{group + '-' if group else ''}{api}.json"
    )
    if not schema_file.is_file():
        return None
    schema = json.loads(schema_file.read_text())
    return jsonschema.Draft202012Validator(schema, registry=kube_registry(version))


def strict_crd_schema(schema: Any) -> Any:
    """OpenAPI v3 schema of a CRD as a JSON schema that refuses unknown fields."""
    if isinstance(schema, list):
        return [strict_crd_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict_crd_schema(v) for k, v in schema.items() if not k.startswith("x-kubernetes")}
    if schema.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    out.pop("nullable", None)
    if (
        out.get("type") == "object"
        and "properties" in out
        and "additionalProperties" not in out
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def schema_checks(renders: dict[str, list[dict]]) -> list[str]:
    import jsonschema

    problems = []
    crds = {
        key: jsonschema.Draft7Validator(strict_crd_schema(schema))
        for key, schema in k8s_tools.crd_schemas().items()
    }
    seen: set[str] = set()
    for label, docs in renders.items():
        for doc in docs:
            text = json.dumps(doc, sort_keys=True)
            if text in seen:
                continue
            seen.add(text)
            kind, api_version = doc.get("kind", "?"), doc.get("apiVersion", "?")
            where = f"{label}: {kind} {doc.get('metadata', {}).get('name', '?')}"
            if (api_version, kind) in crds:
                validators = [("CRD", crds[(api_version, kind)])]
            else:
                validators = [(v, kube_validator(v, kind, api_version)) for v in KUBE_VERSIONS]
            for version, validator in validators:
                if validator is None:
                    problems.append(
                        f"{where}: no schema for {api_version} {kind} in Kubernetes {version}"
                    )
                    continue
                for error in validator.iter_errors(doc):
                    path = ".".join(str(p) for p in error.absolute_path)
                    problems.append(
                        f"{where} (Kubernetes {version}): {path}: {error.message[:300]}"
                    )
    return problems


# ---- policy ------------------------------------------------------------------------------


def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] in ("Deployment", "Job"):
        return doc["spec"]["template"]["spec"]
    return None


def existing_secret_names(values: dict) -> set[str]:
    """Secrets the operator makes before installing (existingSecret values)."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "existingSecret" and value:
                    names.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(values)
    return names


def policy_checks(renders: dict[str, list[dict]]) -> list[str]:
    problems = []
    for label, docs in renders.items():
        by_kind: dict[str, dict[str, dict]] = {}
        for doc in docs:
            by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
        services = by_kind.get("Service", {})
        secrets = set(by_kind.get("Secret", {})) | existing_secret_names(
            RENDER_VALUES.get(label, {})
        )
        # cert-manager writes each Certificate's Secret (the components' TLS identities)
        secrets |= {c["spec"]["secretName"] for c in by_kind.get("Certificate", {}).values()}
        configmaps = by_kind.get("ConfigMap", {})
        for doc in docs:
            name = f"{label}: {doc['kind']} {doc['metadata']['name']}"
            labels = doc["metadata"].get("labels", {})
            missing = [key for key in REQUIRED_LABELS if key not in labels]
            if missing:
                problems.append(f"{name}: missing labels {', '.join(missing)}")
            if (
                doc["kind"] == "ServiceAccount"
                and doc.get("automountServiceAccountToken") is not False
            ):
                problems.append(f"{name}: automountServiceAccountToken must be false")
            if doc["kind"] == "NetworkPolicy":
                for rule in doc["spec"].get("ingress", []):
                    open_rule = not rule.get("from")
                    if open_rule and not doc["metadata"]["name"].endswith("-gateway"):
                        problems.append(f"{name}: only the gateway may take traffic from anywhere")
            if doc["kind"] == "ConfigMap":
                data = doc.get("data", {})
                for key, value in data.items():
                    if key.endswith("_ADDR"):
                        host, _, port = value.rpartition(":")
                        service = services.get(host.split(".")[0])
                        if (
                            "." not in host
                            and label.startswith("jes ")
                            and (
                                not service
                                or int(port) not in [p["port"] for p in service["spec"]["ports"]]
                            )
                        ):
                            problems.append(f"{name}: {key}={value} is no Service of the release")
                if data and "JES_BIND_HOST" in data and data["JES_BIND_HOST"] != "0.0.0.0":
                    problems.append(f"{name}: JES_BIND_HOST must be 0.0.0.0 in Kubernetes")
            spec = pod_spec(doc)
            if spec is None:
                continue
            problems += pod_problems(name, doc, spec, secrets, configmaps)
        for deployment in by_kind.get("Deployment", {}).values():
            dep_name = deployment["metadata"]["name"]
            if dep_name not in services:
                problems.append(f"{label}: Deployment {dep_name} has no Service")
            if dep_name not in by_kind.get("NetworkPolicy", {}):
                problems.append(f"{label}: Deployment {dep_name} has no NetworkPolicy")
            component = deployment["metadata"]["labels"]["app.kubernetes.io/name"]
            if component in SERVICES and f"{dep_name}-migrations" not in by_kind.get("Job", {}):
                problems.append(f"{label}: {component} has no migration Job")
        for job in by_kind.get("Job", {}).values():
            hooks = job["metadata"].get("annotations", {}).get("helm.sh/hook", "")
            if set(hooks.split(",")) != {"pre-install", "pre-upgrade"}:
                problems.append(
                    f"{label}: Job {job['metadata']['name']} is not a pre-install/pre-upgrade hook"
                )
    return problems


def pod_problems(
    name: str, doc: dict, spec: dict, secrets: set[str], configmaps: dict
) -> list[str]:
    problems = []
    if spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{name}: automountServiceAccountToken must be false")
    pod_security = spec.get("securityContext", {})
    if pod_security.get("runAsNonRoot") is not True:
        problems.append(f"{name}: pod securityContext.runAsNonRoot must be true")
    if pod_security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append(f"{name}: pod seccompProfile must be RuntimeDefault")
    for container in spec["containers"]:
        where = f"{name} container {container['name']}"
        security = container.get("securityContext", {})
        if security.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem must be true")
        if security.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation must be false")
        if "ALL" not in security.get("capabilities", {}).get("drop", []):
            problems.append(f"{where}: capabilities must drop ALL")
        if security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{where}: seccompProfile must be RuntimeDefault")
        resources_ = container.get("resources", {})
        if not resources_.get("requests") or not resources_.get("limits", {}).get("memory"):
            problems.append(f"{where}: needs resource requests and a memory limit")
        if (
            container["image"].endswith(":latest")
            or ":" not in container["image"].rsplit("/", 1)[-1]
        ):
            problems.append(f"{where}: image {container['image']} has no fixed tag")
        if doc["kind"] == "Deployment":
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                if probe not in container:
                    problems.append(f"{where}: no {probe}")
            grpc_ports = [p for p in container.get("ports", []) if p["name"] == "grpc"]
            if grpc_ports and "grpc" not in container.get("livenessProbe", {}):
                problems.append(f"{where}: a gRPC service uses native gRPC probes")
        for env in container.get("env", []):
            ref = env.get("valueFrom", {}).get("secretKeyRef")
            if ref and ref["name"] not in secrets:
                problems.append(
                    f"{where}: env {env['name']} reads Secret {ref['name']}, which nothing makes"
                )
        for source in container.get("envFrom", []):
            ref = source.get("configMapRef")
            if ref and ref["name"] not in configmaps:
                problems.append(f"{where}: envFrom ConfigMap {ref['name']} is not rendered")
    for volume in spec.get("volumes", []):
        secret = volume.get("secret", {}).get("secretName")
        if secret and secret not in secrets:
            problems.append(
                f"{name}: volume {volume['name']} mounts Secret {secret}, which nothing makes"
            )
    return problems


# ---- metrics -----------------------------------------------------------------------------


def metric_checks(
    renders: dict[str, list[dict]], exported: dict[str, set[str]], report: Report
) -> list[str]:
    expressions: list[tuple[str, str]] = []
    for path in sorted((DEPLOY / "dashboards").glob("*.json")):
        board = json.loads(path.read_text())
        where = str(path.relative_to(ROOT))
        expressions += [(where, e) for e in k8s_metrics.grafana_expressions(board)]
    rendered_boards = rules = 0
    for label, docs in renders.items():
        for doc in docs:
            name = f"{label}: {doc['kind']} {doc['metadata']['name']}"
            if doc["kind"] == "ConfigMap":
                for key, value in doc.get("data", {}).items():
                    if key.endswith(".json"):
                        rendered_boards += 1
                        try:
                            board = json.loads(value)
                        except ValueError as exc:
                            expressions.append((name, f"invalid JSON {exc}"))
                            continue
                        expressions += [
                            (f"{name} {key}", e) for e in k8s_metrics.grafana_expressions(board)
                        ]
            if doc["kind"] == "PrometheusRule":
                for group in doc["spec"]["groups"]:
                    for rule in group["rules"]:
                        rules += 1
                        expressions.append(
                            (f"{name} {rule.get('alert', rule.get('record'))}", rule["expr"])
                        )
    if not rendered_boards or not rules:
        return [
            "no rendered dashboards or alert rules to check (production values should enable them)"
        ]
    unique = list(dict.fromkeys(expressions))
    problems = k8s_metrics.check(unique, exported)
    families = {
        name.removesuffix(s)
        for name in exported
        for s in ("_total", "_bucket", "")
        if name.endswith(s)
    }
    for metric in sorted(k8s_metrics.documented_metrics()):
        if metric not in exported and metric not in families:
            report.warnings.append(
                f"docs/conventions.md lists {metric}, but no service exports it: "
                "its dashboard panels and alerts are left out until it does"
            )
    if report.verbose:
        print(
            f"    {len(unique)} expressions: {rendered_boards} dashboards rendered, {rules} alerts"
        )
    return problems


# ---- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Validate the JES Dockerfiles, charts, dashboards and alerts."
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print every problem and detail"
    )
    args = parser.parse_args(argv)
    report = Report(args.verbose)
    renders: dict[str, list[dict]] = {}
    tools: dict[str, Any] = {}

    with ThreadPoolExecutor(max_workers=1) as background:
        exported_future = background.submit(k8s_metrics.exported_metrics)

        def install() -> list[str]:
            tools["helm"] = k8s_tools.helm()
            k8s_tools.crd_schemas()
            return []

        report.step("tools", install)
        report.step(
            "docker",
            lambda: [
                *k8s_dockerlint.lint_dockerignore(ROOT / ".dockerignore"),
                *k8s_dockerlint.lint_copies(),
                *(p for f in k8s_dockerlint.dockerfiles() for p in k8s_dockerlint.lint(f)),
            ],
        )
        report.step("modules", module_graph_checks)
        report.step("dashboards", dashboard_checks)
        report.step("values", values_checks)
        with tempfile.TemporaryDirectory(prefix="jes-k8s-") as workdir:
            report.step("helm", lambda: helm_checks(tools["helm"], Path(workdir), renders))
        report.step("schemas", lambda: schema_checks(renders))
        report.step("policy", lambda: policy_checks(renders))
        report.step("metrics", lambda: metric_checks(renders, exported_future.result(), report))

    objects = sum(len(d) for d in renders.values())
    elapsed = time.monotonic() - report.started
    print(f"[k8s] {len(renders)} renders, {objects} objects, {elapsed:.1f}s in all")
    for warning in report.warnings:
        print(f"[k8s] WARNING {warning}")
    if report.problems:
        print(f"[k8s] FAILED: {len(report.problems)} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
