"""Grafana dashboards of JES, as code.

    python scripts/k8s_dashboards.py           write the dashboards
    python scripts/k8s_dashboards.py --check   fail if a written dashboard is out of date

One platform overview and one dashboard per component. Each is written twice, byte for
byte the same: deploy/k8s/dashboards/jes-<name>.json (import into any Grafana) and
charts/<chart>/dashboards/<name>.json (what the chart ships as a ConfigMap for the
Grafana sidecar). Edit this file, never the JSON.

Every metric used here must be one the services export: `make k8s-validate` checks the
expressions against the Prometheus registry of the imported service modules.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_DIR = ROOT / "deploy" / "k8s" / "dashboards"

SERVICES = [
    "identity",
    "photo-storage",
    "report-render",
    "review-workflow",
    "case-sync",
    "notification",
]
CONSUMERS = {"review-workflow", "notification"}
TITLES = {
    "overview": "JES / Overview",
    "identity": "JES / identity",
    "photo-storage": "JES / photo-storage",
    "report-render": "JES / report-render",
    "review-workflow": "JES / review-workflow",
    "case-sync": "JES / case-sync",
    "notification": "JES / notification",
    "gateway": "JES / gateway",
}
# gRPC codes that are the server's fault (the alert rules use the same list)
SERVER_ERRORS = "UNKNOWN|INTERNAL|UNAVAILABLE|DATA_LOSS|DEADLINE_EXCEEDED|UNIMPLEMENTED"
ERRORS = f'code=~"{SERVER_ERRORS}"'
S5XX = 'status=~"5.."'
S4XX = 'status=~"4.."'
RATE = "$__rate_interval"
KEY_EXPIRY = "jes_token_signing_key_expiry_timestamp_seconds"
# Days left of the key identity signs with: the newest key of each pod (max over its
# key ids, which all verify), the pod that is worst off (min), as does the alert rule.
KEY_DAYS_LEFT = (
    f'(min(max without (kid) ({KEY_EXPIRY}{{namespace="$namespace"}})) - time()) / 86400'
)
KEY_THRESHOLDS: list[tuple[float | None, str]] = [(None, "red"), (3, "orange"), (14, "green")]
KEY_DESCRIPTION = (
    "Days until the newest token signing key of identity reaches the end of its lifetime "
    "(90 days). Rotate before it does: see Key rotation in docs/operations.md."
)
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


class Board:
    """Lays panels out on Grafana's 24-column grid, row by row."""

    def __init__(self) -> None:
        self.panels: list[dict[str, Any]] = []
        self.y = 0
        self.x = 0
        self.row_height = 0

    def _place(self, width: int, height: int) -> dict[str, int]:
        if self.x + width > 24:
            self.y += self.row_height
            self.x = 0
            self.row_height = 0
        pos = {"h": height, "w": width, "x": self.x, "y": self.y}
        self.x += width
        self.row_height = max(self.row_height, height)
        return pos

    def row(self, title: str) -> None:
        if self.x:
            self.y += self.row_height
            self.x = 0
            self.row_height = 0
        self.panels.append(
            {
                "type": "row",
                "title": title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
                "panels": [],
            }
        )
        self.y += 1

    def timeseries(
        self,
        title: str,
        targets: list[tuple[str, str]],
        *,
        unit: str = "short",
        width: int = 12,
        description: str = "",
        stack: bool = False,
    ) -> None:
        self.panels.append(
            {
                "type": "timeseries",
                "title": title,
                "description": description,
                "datasource": DATASOURCE,
                "gridPos": self._place(width, 8),
                "fieldConfig": {
                    "defaults": {
                        "unit": unit,
                        "min": 0,
                        "custom": {
                            "drawStyle": "line",
                            "lineWidth": 1,
                            "fillOpacity": 10,
                            "showPoints": "never",
                            "stacking": {"mode": "normal" if stack else "none", "group": "A"},
                        },
                    },
                    "overrides": [],
                },
                "options": {
                    "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                    "tooltip": {"mode": "multi", "sort": "desc"},
                },
                "targets": _targets(targets),
            }
        )

    def stat(
        self,
        title: str,
        expr: str,
        *,
        unit: str = "short",
        width: int = 4,
        description: str = "",
        thresholds: list[tuple[float | None, str]] | None = None,
        decimals: int | None = None,
    ) -> None:
        steps = [
            {"color": color, "value": value} for value, color in thresholds or [(None, "green")]
        ]
        defaults: dict[str, Any] = {
            "unit": unit,
            "thresholds": {"mode": "absolute", "steps": steps},
        }
        if decimals is not None:
            defaults["decimals"] = decimals
        self.panels.append(
            {
                "type": "stat",
                "title": title,
                "description": description,
                "datasource": DATASOURCE,
                "gridPos": self._place(width, 4),
                "fieldConfig": {"defaults": defaults, "overrides": []},
                "options": {
                    "colorMode": "value",
                    "graphMode": "area",
                    "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                },
                "targets": _targets([(expr, title)]),
            }
        )

    def finish(self, name: str, description: str, namespace_metric: str) -> dict[str, Any]:
        for number, panel in enumerate(self.panels, start=1):
            panel["id"] = number
        return {
            "uid": f"jes-{name}",
            "title": TITLES[name],
            "description": description,
            "tags": ["jes"],
            "editable": True,
            "graphTooltip": 1,
            "refresh": "30s",
            "schemaVersion": 39,
            "time": {"from": "now-6h", "to": "now"},
            "timezone": "browser",
            "links": [
                {
                    "type": "dashboards",
                    "title": "JES",
                    "tags": ["jes"],
                    "asDropdown": True,
                    "includeVars": True,
                    "keepTime": True,
                }
            ],
            "templating": {
                "list": [
                    {
                        "name": "datasource",
                        "label": "Data source",
                        "type": "datasource",
                        "query": "prometheus",
                        "current": {},
                        "hide": 0,
                    },
                    {
                        "name": "namespace",
                        "label": "Namespace",
                        "type": "query",
                        "datasource": DATASOURCE,
                        "query": {
                            "query": f"label_values({namespace_metric}, namespace)",
                            "refId": "namespace",
                        },
                        "definition": f"label_values({namespace_metric}, namespace)",
                        "refresh": 2,
                        "current": {},
                        "hide": 0,
                        "sort": 1,
                    },
                ]
            },
            "annotations": {"list": []},
            "panels": self.panels,
        }


def _targets(targets: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
        for i, (expr, legend) in enumerate(targets)
    ]


def sel(service: str, extra: str = "") -> str:
    """Label matchers of one service's series in the chosen namespace."""
    matchers = f'namespace="$namespace", service="{service}"'
    return "{" + matchers + (", " + extra if extra else "") + "}"


def ns(extra: str = "") -> str:
    return '{namespace="$namespace"' + (", " + extra if extra else "") + "}"


def quantiles(metric: str, selector: str, by: str = "") -> list[tuple[str, str]]:
    group = f"le, {by}" if by else "le"
    return [
        (
            f"histogram_quantile({q}, sum by ({group}) (rate({metric}_bucket{selector}[{RATE}])))",
            f"p{int(q * 100)}" + (f" {{{{{by}}}}}" if by else ""),
        )
        for q in (0.5, 0.95, 0.99)
    ]


def key_expiry_stat(board: Board, width: int) -> None:
    board.stat(
        "Signing key expires in",
        KEY_DAYS_LEFT,
        unit="suffix: days",
        width=width,
        decimals=1,
        description=KEY_DESCRIPTION,
        thresholds=KEY_THRESHOLDS,
    )


def photos_processed(board: Board, width: int) -> None:
    board.timeseries(
        "Photos processed by outcome",
        [
            (
                f"sum by (outcome) (rate(jes_photos_processed_total{ns()}[{RATE}]))",
                "{{outcome}}",
            )
        ],
        unit="ops",
        width=width,
        stack=True,
        description="Uploaded images turned into derivatives (accepted) or refused (rejected).",
    )


def grpc_rows(board: Board, service: str) -> None:
    requests = "jes_grpc_server_requests_total"
    board.row("gRPC")
    board.timeseries(
        "Request rate by method",
        [(f"sum by (method) (rate({requests}{sel(service)}[{RATE}]))", "{{method}}")],
        unit="reqps",
        stack=True,
    )
    board.timeseries(
        "Requests by status code",
        [(f"sum by (code) (rate({requests}{sel(service)}[{RATE}]))", "{{code}}")],
        unit="reqps",
        stack=True,
    )
    board.timeseries(
        "Server error ratio by method",
        [
            (
                f"sum by (method) (rate({requests}{sel(service, ERRORS)}[{RATE}]))"
                f" / sum by (method) (rate({requests}{sel(service)}[{RATE}]))",
                "{{method}}",
            )
        ],
        unit="percentunit",
        description=f"Calls that ended with {SERVER_ERRORS.replace('|', ', ')}.",
    )
    board.timeseries(
        "Latency p50 / p95 / p99",
        quantiles("jes_grpc_server_request_duration_seconds", sel(service)),
        unit="s",
    )
    board.timeseries(
        "Latency p95 by method",
        [
            (
                "histogram_quantile(0.95, sum by (le, method) "
                f"(rate(jes_grpc_server_request_duration_seconds_bucket{sel(service)}[{RATE}])))",
                "{{method}}",
            )
        ],
        unit="s",
        width=24,
    )


def event_rows(board: Board, service: str) -> None:
    board.row("Events")
    board.timeseries(
        "Outbox backlog",
        [(f"max(jes_outbox_backlog{sel(service)})", "unpublished events")],
        description="Events committed with a state change and not yet on Kafka.",
        width=8,
    )
    board.timeseries(
        "Events published",
        [(f"sum by (topic) (rate(jes_events_published_total{sel(service)}[{RATE}]))", "{{topic}}")],
        unit="ops",
        width=8,
    )
    if service in CONSUMERS:
        board.timeseries(
            "Events consumed by outcome",
            [
                (
                    f"sum by (outcome) (rate(jes_events_consumed_total{sel(service)}[{RATE}]))",
                    "{{outcome}}",
                )
            ],
            unit="ops",
            width=8,
            stack=True,
        )
        board.timeseries(
            "Consumer lag by topic",
            [(f"max by (topic) (jes_consumer_lag{sel(service)})", "{{topic}}")],
            description="Messages the consumer group has not committed yet.",
        )
        board.timeseries(
            "Dead letters",
            [
                (
                    f"sum by (topic) (increase(jes_dead_letters_total{sel(service)}[{RATE}]))",
                    "{{topic}}",
                )
            ],
            description="Events given up after every attempt; they wait in <topic>.dlq.",
        )


def service_dashboard(service: str) -> dict[str, Any]:
    board = Board()
    board.row("Summary")
    requests = "jes_grpc_server_requests_total"
    board.stat(
        "Requests / s",
        f"sum(rate({requests}{sel(service)}[{RATE}]))",
        unit="reqps",
        width=6,
    )
    board.stat(
        "Server errors",
        f"sum(rate({requests}{sel(service, ERRORS)}[{RATE}]))"
        f" / sum(rate({requests}{sel(service)}[{RATE}]))",
        unit="percentunit",
        width=6,
        thresholds=[(None, "green"), (0.01, "orange"), (0.05, "red")],
    )
    board.stat(
        "Latency p95",
        "histogram_quantile(0.95, sum by (le) "
        f"(rate(jes_grpc_server_request_duration_seconds_bucket{sel(service)}[{RATE}])))",
        unit="s",
        width=6,
    )
    board.stat(
        "Outbox backlog",
        f"max(jes_outbox_backlog{sel(service)})",
        width=6,
        thresholds=[(None, "green"), (10, "orange"), (100, "red")],
    )
    grpc_rows(board, service)
    event_rows(board, service)
    if service == "identity":
        board.row("Token signing keys")
        key_expiry_stat(board, 6)
        board.timeseries(
            "Days until expiry by key",
            [
                (
                    f"(max by (kid) ({KEY_EXPIRY}{ns()}) - time()) / 86400",
                    "{{kid}}",
                )
            ],
            unit="suffix: days",
            width=18,
            description="Every key identity publishes; the newest one signs.",
        )
    if service == "photo-storage":
        board.row("Photos")
        photos_processed(board, 24)
    if service == "report-render":
        board.row("PDF rendering")
        board.timeseries(
            "PDFs rendered by kind",
            [(f"sum by (kind) (rate(jes_pdfs_rendered_total{ns()}[{RATE}]))", "{{kind}}")],
            unit="ops",
        )
        board.timeseries(
            "Render time p50 / p95 / p99",
            quantiles("jes_pdf_render_duration_seconds", ns()),
            unit="s",
        )
        board.timeseries(
            "wkhtmltopdf runs killed as hung",
            [(f"sum(increase(jes_wkhtmltopdf_hung_total{ns()}[{RATE}]))", "killed")],
            description=(
                "A run past its time limit is killed and run once more; a second hang "
                "answers UNAVAILABLE (報表產製逾時). A steady rate means wkhtmltopdf or the "
                "node is in trouble."
            ),
        )
    if service == "notification":
        board.row("E-mail")
        board.timeseries(
            "E-mails sent by template",
            [(f"sum by (template) (rate(jes_emails_sent_total{ns()}[{RATE}]))", "{{template}}")],
            unit="ops",
            stack=True,
        )
        board.timeseries(
            "E-mails failed by template",
            [
                (
                    f"sum by (template) (increase(jes_emails_failed_total{ns()}[{RATE}]))",
                    "{{template}}",
                )
            ],
            description="E-mails given up after every retry.",
        )
    return board.finish(
        service, f"JES {service}: gRPC traffic, errors, latency and events.", requests
    )


def gateway_dashboard() -> dict[str, Any]:
    requests = "jes_http_requests_total"
    duration = "jes_http_request_duration_seconds"
    board = Board()
    board.row("Summary")
    board.stat("Requests / s", f"sum(rate({requests}{ns()}[{RATE}]))", unit="reqps", width=8)
    board.stat(
        "5xx ratio",
        f"sum(rate({requests}{ns(S5XX)}[{RATE}])) / sum(rate({requests}{ns()}[{RATE}]))",
        unit="percentunit",
        width=8,
        thresholds=[(None, "green"), (0.01, "orange"), (0.05, "red")],
    )
    board.stat(
        "Latency p95",
        f"histogram_quantile(0.95, sum by (le) (rate({duration}_bucket{ns()}[{RATE}])))",
        unit="s",
        width=8,
    )
    board.row("HTTP")
    board.timeseries(
        "Request rate by endpoint",
        [(f"sum by (endpoint) (rate({requests}{ns()}[{RATE}]))", "{{endpoint}}")],
        unit="reqps",
        stack=True,
    )
    board.timeseries(
        "Requests by status",
        [(f"sum by (status) (rate({requests}{ns()}[{RATE}]))", "{{status}}")],
        unit="reqps",
        stack=True,
    )
    board.timeseries(
        "Error ratio (4xx, 5xx)",
        [
            (
                f"sum(rate({requests}{ns(S5XX)}[{RATE}])) / sum(rate({requests}{ns()}[{RATE}]))",
                "5xx",
            ),
            (
                f"sum(rate({requests}{ns(S4XX)}[{RATE}])) / sum(rate({requests}{ns()}[{RATE}]))",
                "4xx",
            ),
        ],
        unit="percentunit",
    )
    board.timeseries("Latency p50 / p95 / p99", quantiles(duration, ns()), unit="s")
    board.timeseries(
        "Latency p95 by endpoint",
        [
            (
                "histogram_quantile(0.95, sum by (le, endpoint) "
                f"(rate({duration}_bucket{ns()}[{RATE}])))",
                "{{endpoint}}",
            )
        ],
        unit="s",
        width=24,
    )
    return board.finish(
        "gateway",
        "JES gateway: HTTP traffic, errors and latency of the web pages and API.",
        requests,
    )


def overview_dashboard() -> dict[str, Any]:
    grpc = "jes_grpc_server_requests_total"
    board = Board()
    board.row("Platform")
    board.stat(
        "HTTP requests / s",
        f"sum(rate(jes_http_requests_total{ns()}[{RATE}]))",
        unit="reqps",
        width=3,
    )
    board.stat("gRPC requests / s", f"sum(rate({grpc}{ns()}[{RATE}]))", unit="reqps", width=3)
    board.stat(
        "gRPC server errors",
        f"sum(rate({grpc}{ns(ERRORS)}[{RATE}])) / sum(rate({grpc}{ns()}[{RATE}]))",
        unit="percentunit",
        thresholds=[(None, "green"), (0.01, "orange"), (0.05, "red")],
    )
    board.stat(
        "Outbox backlog",
        f"sum(jes_outbox_backlog{ns()})",
        width=3,
        thresholds=[(None, "green"), (10, "orange"), (100, "red")],
    )
    board.stat(
        "Max consumer lag",
        f"max(jes_consumer_lag{ns()})",
        width=3,
        thresholds=[(None, "green"), (100, "orange"), (1000, "red")],
    )
    board.stat(
        "Dead letters (24 h)",
        f"sum(increase(jes_dead_letters_total{ns()}[24h]))",
        thresholds=[(None, "green"), (1, "red")],
    )
    key_expiry_stat(board, 4)
    board.row("Services")
    board.timeseries(
        "gRPC request rate by service",
        [(f"sum by (service) (rate({grpc}{ns()}[{RATE}]))", "{{service}}")],
        unit="reqps",
        stack=True,
    )
    board.timeseries(
        "gRPC server error ratio by service",
        [
            (
                f"sum by (service) (rate({grpc}{ns(ERRORS)}[{RATE}]))"
                f" / sum by (service) (rate({grpc}{ns()}[{RATE}]))",
                "{{service}}",
            )
        ],
        unit="percentunit",
    )
    for q in (0.5, 0.95, 0.99):
        board.timeseries(
            f"gRPC latency p{int(q * 100)} by service",
            [
                (
                    f"histogram_quantile({q}, sum by (le, service) "
                    f"(rate(jes_grpc_server_request_duration_seconds_bucket{ns()}[{RATE}])))",
                    "{{service}}",
                )
            ],
            unit="s",
            width=8,
        )
    board.timeseries(
        "HTTP latency p50 / p95 / p99 (gateway)",
        quantiles("jes_http_request_duration_seconds", ns()),
        unit="s",
    )
    board.timeseries(
        "HTTP 5xx ratio (gateway)",
        [
            (
                f"sum(rate(jes_http_requests_total{ns(S5XX)}[{RATE}]))"
                f" / sum(rate(jes_http_requests_total{ns()}[{RATE}]))",
                "5xx",
            )
        ],
        unit="percentunit",
    )
    board.row("Events")
    board.timeseries(
        "Outbox backlog by service",
        [(f"max by (service) (jes_outbox_backlog{ns()})", "{{service}}")],
        width=8,
    )
    board.timeseries(
        "Consumer lag by service and topic",
        [(f"max by (service, topic) (jes_consumer_lag{ns()})", "{{service}} {{topic}}")],
        width=8,
    )
    board.timeseries(
        "Dead letters by service",
        [
            (
                f"sum by (service, topic) (increase(jes_dead_letters_total{ns()}[{RATE}]))",
                "{{service}} {{topic}}",
            )
        ],
        width=8,
    )
    board.row("Work done")
    photos_processed(board, 6)
    board.timeseries(
        "PDFs rendered",
        [(f"sum by (kind) (rate(jes_pdfs_rendered_total{ns()}[{RATE}]))", "{{kind}}")],
        unit="ops",
        width=6,
    )
    board.timeseries(
        "E-mails sent",
        [(f"sum(rate(jes_emails_sent_total{ns()}[{RATE}]))", "sent")],
        unit="ops",
        width=6,
    )
    board.timeseries(
        "E-mails failed",
        [(f"sum(increase(jes_emails_failed_total{ns()}[{RATE}]))", "failed")],
        width=6,
    )
    return board.finish(
        "overview",
        "JES platform overview: traffic, errors, latency, events and work done by every component.",
        grpc,
    )


def dashboards() -> dict[str, dict[str, Any]]:
    """name -> dashboard (name = chart name, or "overview" for the umbrella chart)."""
    boards = {"overview": overview_dashboard()}
    for service in SERVICES:
        boards[service] = service_dashboard(service)
    boards["gateway"] = gateway_dashboard()
    return boards


def outputs(name: str) -> list[Path]:
    chart = "jes" if name == "overview" else name
    return [
        DEPLOY_DIR / f"jes-{name}.json",
        ROOT / "charts" / chart / "dashboards" / f"{name}.json",
    ]


def render(board: dict[str, Any]) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only check the files are up to date")
    args = parser.parse_args(argv)
    stale = []
    for name, board in dashboards().items():
        text = render(board)
        for path in outputs(name):
            if path.exists() and path.read_text() == text:
                continue
            if args.check:
                stale.append(str(path.relative_to(ROOT)))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(
            "dashboards out of date (run: python scripts/k8s_dashboards.py):\n  "
            + "\n  ".join(stale),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
