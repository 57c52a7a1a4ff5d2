"""Check that dashboards and alerts only use metrics (and labels) the services export.

The exported metrics are read from the Prometheus registry after importing every
service module (what `python -m jes_<service>` and the gateway load), so the check
follows the code, not the documentation. PromQL is read by a small lexer: metric names,
the label names in their matchers and the labels of by/without/on/ignoring clauses.

    python scripts/k8s_metrics.py EXPR ...   print what an expression uses
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
MODULES = [
    "jes_identity.app",
    "jes_photo_storage.app",
    "jes_report_render.app",
    "jes_review_workflow.app",
    "jes_case_sync.app",
    "jes_notification.app",
    "jes_gateway.app",
]
# Labels Prometheus adds to every scraped series (ServiceMonitor target labels).
TARGET_LABELS = {"namespace", "pod", "instance", "job", "service", "container", "endpoint"}

_DUMP = """
import importlib, json, sys
from prometheus_client import REGISTRY
for module in sys.argv[1:]:
    importlib.import_module(module)
suffixes = {
    "counter": ["_total", "_created"],
    "gauge": [""],
    "histogram": ["_bucket", "_count", "_sum", "_created"],
    "summary": ["", "_count", "_sum", "_created"],
    "info": ["_info"],
}
out = {}
for collector in list(REGISTRY._collector_to_names):
    labels = list(getattr(collector, "_labelnames", ()))
    wrapper = hasattr(collector, "_labelnames")
    for family in collector.describe() if wrapper else collector.collect():
        for suffix in suffixes.get(family.type, [""]):
            names = set(labels) | {k for s in family.samples for k in s.labels}
            if suffix == "_bucket":
                names.add("le")
            out[family.name + suffix] = sorted(names)
print(json.dumps(out))
"""


def exported_metrics() -> dict[str, set[str]]:
    """Series name -> label names, from the registry of the imported service modules."""
    result = subprocess.run(
        [str(PYTHON), "-c", _DUMP, *MODULES], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if result.returncode != 0:
        raise RuntimeError(f"importing the service modules failed:\n{result.stderr.strip()}")
    return {name: set(labels) for name, labels in json.loads(result.stdout).items()}


def documented_metrics() -> set[str]:
    """Metric names in the metrics table of docs/conventions.md."""
    text = (ROOT / "docs" / "conventions.md").read_text()
    section = text.split("## Metrics", 1)[-1]
    return set(re.findall(r"`(jes_[a-z0-9_]+)`", section))


TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
  | (?P<range>\[[^\]]*\])
  | (?P<num>(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?:ms|[smhdwy])?|0x[0-9a-fA-F]+)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)
  | (?P<op>=~|!~|!=|==|>=|<=|[-+*/%^<>=,(){}@])
    """,
    re.X,
)
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"bool", "offset", "and", "or", "unless", "inf", "nan", "start", "end"}
AGGREGATIONS = {
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
}


@dataclass
class Usage:
    """What one PromQL expression reads."""

    selectors: list[tuple[str, set[str]]] = field(default_factory=list)  # metric, matcher labels
    grouping: set[str] = field(default_factory=set)  # labels of by/without/on/ignoring
    problems: list[str] = field(default_factory=list)


def parse(expr: str) -> Usage:
    tokens: list[tuple[str, str]] = []
    position = 0
    usage = Usage()
    while position < len(expr):
        match = TOKEN.match(expr, position)
        if not match:
            usage.problems.append(f"cannot read {expr[position : position + 20]!r}")
            return usage
        position = match.end()
        if match.lastgroup != "ws":
            tokens.append((match.lastgroup or "", match.group()))
    i = 0

    def matchers(start: int) -> tuple[set[str], int]:
        """Label names of a {...} block starting at tokens[start] == '{'; index after '}'."""
        labels, j = set(), start + 1
        while j < len(tokens) and tokens[j][1] != "}":
            kind, text = tokens[j]
            if (
                kind == "ident"
                and j + 1 < len(tokens)
                and tokens[j + 1][1] in ("=", "!=", "=~", "!~")
            ):
                labels.add(text)
            j += 1
        return labels, j + 1

    while i < len(tokens):
        kind, text = tokens[i]
        following = tokens[i + 1][1] if i + 1 < len(tokens) else ""
        if kind == "ident" and text in GROUPING and following == "(":
            j = i + 2
            while j < len(tokens) and tokens[j][1] != ")":
                if tokens[j][0] == "ident":
                    usage.grouping.add(tokens[j][1])
                j += 1
            i = j + 1
        elif kind == "ident" and (following == "(" or text in AGGREGATIONS):
            i += 1  # a function or an aggregation
        elif kind == "ident" and text.lower() in KEYWORDS:
            i += 1
        elif kind == "ident":
            labels: set[str] = set()
            i += 1
            if following == "{":
                labels, i = matchers(i)
            usage.selectors.append((text, labels))
        elif text == "{":
            labels, i = matchers(i)
            usage.problems.append("a selector without a metric name")
        else:
            i += 1
    return usage


def grafana_expressions(dashboard: dict) -> list[str]:
    """PromQL of every panel target and of the label_values() template queries."""
    found: list[str] = []

    def walk(panels: list[dict]) -> None:
        for panel in panels:
            found.extend(t["expr"] for t in panel.get("targets", []) if t.get("expr"))
            walk(panel.get("panels", []))

    walk(dashboard.get("panels", []))
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        query = query.get("query", "") if isinstance(query, dict) else str(query or "")
        match = re.fullmatch(r"\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\)\s*", query)
        if match:
            found.append(f"sum by ({match.group(2)}) ({match.group(1)})")
        elif variable.get("type") == "query" and query:
            found.append(query)
    return found


def check(expressions: list[tuple[str, str]], exported: dict[str, set[str]]) -> list[str]:
    """Problems of (where, expression) pairs against the exported metrics."""
    problems = []
    for where, expr in expressions:
        usage = parse(expr)
        problems += [f"{where}: {p}: {expr}" for p in usage.problems]
        available = set(TARGET_LABELS)
        for metric, labels in usage.selectors:
            if metric not in exported:
                problems.append(f"{where}: metric {metric} is not exported by any JES service")
                continue
            available |= exported[metric]
            unknown = labels - exported[metric] - TARGET_LABELS
            if unknown:
                problems.append(f"{where}: {metric} has no label {', '.join(sorted(unknown))}")
        unknown = usage.grouping - available
        if unknown and usage.selectors:
            problems.append(f"{where}: grouping by unknown label {', '.join(sorted(unknown))}")
    return problems


def main(argv: list[str]) -> int:
    for expr in argv:
        usage = parse(expr)
        print(
            json.dumps(
                {
                    "selectors": [[m, sorted(s)] for m, s in usage.selectors],
                    "grouping": sorted(usage.grouping),
                    "problems": usage.problems,
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
