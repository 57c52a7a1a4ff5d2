"""The least CPU a case page and a pushed entry can cost on this stack: each hop alone.

bench_case_page_http.py measures what the platform spends on a case page (identity,
case-sync and the gateway, on PostgreSQL); this one measures, in the same run, the floor
of every hop a page cannot skip, each done by the same library the platform uses and
nothing else around it:

  http        a minimal Flask app under waitress, in its own process with the settings
              the gateway is served with, that reads a signed session cookie and renders
              a page of 20 progress entries (zh-TW text) from a Jinja template: the
              gateway's floor, server side only
  grpc call   one unary call over mutual TLS whose handler only hands back a reply of a
              case page's size (client and server in this process): a page makes two,
              identity's RefreshSession and case-sync's GetCase
  jes call    the same call through what every JES call goes through: jes_grpckit's
              server (the caller check against the RPC's declared callers, metrics, the
              JSON access log line) and client (deadline, request id), on a real RPC
              (identity's GetKeySet, its handler only handing back that reply)
  stream msg  one message of a client stream over mutual TLS (IngestProgress, one change a
              message), per message, both ends
  chunk msg   the same entries 500 a message (IngestProgressChunks), per entry
  statement   one statement as the services run theirs: a prebuilt SQLAlchemy Core select
              of one row by its key, in `jes_db.Database.statements()` (autocommit, the
              pooled connection, TLS), on this checkout's PostgreSQL when it is up
              (`bash deploy/local/infra.sh up`, then `eval "$(bash deploy/local/infra.sh
              env)"`); this process's CPU and the PostgreSQL backend's, a statement. A page
              makes five: identity's session, case-sync's facts, entries, next hearing and
              the visit's upsert

Beside them, as the in-run baseline, the page's template rendered in this process with
no server around it. The sum (http + 2 grpc calls + 5 statements) says how many pages a
second two cores can serve at best with this design before any rule, protobuf message or
log line, and so whether 300 pages/s is reachable; at 300/s two cores have 6.7 ms for
everything a page costs.
Run: `make bench`, or `.venv/bin/python bench/bench_case_page_floor.py [--calls N]`.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import grpc
import requests
from bench_case_page import database
from common import (
    cpu_ms_each,
    cpu_table,
    http_answers,
    load_note,
    postgres_up,
    process_cpu_ms,
    raw_grpc_hop,
    summary,
    tls_pair,
    write_results,
)

from jes.identity.v1 import identity_pb2, identity_pb2_grpc
from jes_grpckit.client import Client
from jes_grpckit.logs import JsonFormatter
from jes_grpckit.server import GrpcServer
from support.processes import PYTHON, free_port, wait_until

CORES = 2
TARGET_PAGES_PER_SECOND = 300
BUDGET_MS = CORES * 1000 / TARGET_PAGES_PER_SECOND  # all the CPU a page may cost at 300/s
REPLY_BYTES = 6_000  # about a GetCase reply of 20 entries
ENTRY_BYTES = 300  # about one IngestProgress change
CHUNK = 500

# The page: what the gateway's case page shows, without the layout's navigation.
TEMPLATE = """<!doctype html><html lang="zh-Hant"><head><meta charset="utf-8">
<title>{{ case.number }}</title></head><body><main>
<h1>{{ case.court }} {{ case.category }} {{ case.number }}</h1>
<p>資料更新至 {{ case.as_of }}</p>
<ol>{% for entry in entries %}<li class="{{ 'new' if entry.new else '' }}">
<time>{{ entry.date }}</time> <span>{{ entry.text }}</span></li>{% endfor %}</ol>
<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf }}"></form>
</main></body></html>"""


def page_context(case_id: str) -> dict[str, object]:
    return {
        "case": {
            "number": f"114年度訴字第{case_id}號",
            "court": "臺灣臺北地方法院",
            "category": "民事",
            "as_of": "115年12月2日 10:00",
        },
        "entries": [
            {
                "date": f"115年11月{day}日",
                "text": "本院訂於下次言詞辯論期日，請兩造準時到庭。",
                "new": day > 15,
            }
            for day in range(1, 21)
        ],
        "csrf": "x" * 43,
    }


# The gateway's floor: a signed session cookie read, a template rendered, under waitress
# as jes_platform.runtime.GatewayServer serves the gateway.
MINIMAL_GATEWAY = f"""
import sys
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from flask import Flask, session
from waitress.server import create_server
from bench_case_page_floor import TEMPLATE, page_context

app = Flask("floor")
app.secret_key = "bench-floor"
page = app.jinja_env.from_string(TEMPLATE)  # compiled once, as Flask keeps a file's template

@app.get("/login")
def login():
    session["session_token"] = "t" * 43
    return "ok"

@app.get("/cases/<case_id>")
def case_page(case_id):
    assert session["session_token"]
    return page.render(**page_context(case_id))

create_server(
    app, host="127.0.0.1", port=int(sys.argv[1]), threads=8, recv_bytes=256 * 1024,
    clear_untrusted_proxy_headers=False,
).run()
"""


def http_floor(calls: int, rounds: int) -> list[float]:
    """CPU ms of the minimal gateway's process per page (one mean per round of `calls`
    pages: /proc counts in 10 ms ticks), the client in this process."""
    port = free_port()
    server = subprocess.Popen([PYTHON, "-c", MINIMAL_GATEWAY, str(port)])
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: http_answers(f"{base}/login"), timeout=60, what="the minimal gateway")
        with requests.Session() as browser:
            browser.get(f"{base}/login").raise_for_status()  # the session cookie
            page = browser.get(f"{base}/cases/992032")
            assert "114年度訴字第992032號" in page.text and page.text.count("<li") == 20
            values = []
            for _ in range(rounds):
                before = process_cpu_ms(server.pid)
                for n in range(calls):
                    browser.get(f"{base}/cases/{n}").raise_for_status()
                values.append((process_cpu_ms(server.pid) - before) / calls)
        return values
    finally:
        server.terminate()
        server.wait(timeout=30)


def _reply(request: bytes, context: grpc.ServicerContext) -> bytes:
    return b"r" * REPLY_BYTES


def _count(messages: Iterator[bytes], context: grpc.ServicerContext) -> bytes:
    return str(sum(len(message) for message in messages)).encode()


class GrpcHop:
    """A mutual-TLS gRPC server in this process (raw bytes: no protobuf message, so this
    is the transport alone), with the two kinds of call a page and a push make."""

    def __init__(self, pki: Path) -> None:
        # the services' servers run their handlers on a pool of threads, as here
        self.server, self.channel = raw_grpc_hop(
            pki,
            "case-sync",
            "floor.Case",
            {
                "Get": grpc.unary_unary_rpc_method_handler(_reply),
                "Push": grpc.stream_unary_rpc_method_handler(_count),
            },
            workers=8,
        )
        self.get = self.channel.unary_unary("/floor.Case/Get")
        self.push = self.channel.stream_unary("/floor.Case/Push")

    def call(self, _: object) -> None:
        assert len(self.get(b"case-id")) == REPLY_BYTES

    def stream(self, messages: list[bytes]) -> None:
        assert int(self.push(iter(messages))) == sum(len(m) for m in messages)

    def close(self) -> None:
        self.channel.close()
        self.server.stop(None)


class KeySet(identity_pb2_grpc.IdentityServiceServicer):  # type: ignore[misc]
    def GetKeySet(self, request: object, context: object) -> identity_pb2.GetKeySetResponse:
        return identity_pb2.GetKeySetResponse(jwks_json="k" * REPLY_BYTES)


class JesHop:
    """identity's GetKeySet served and called as JES serves and calls every RPC, with the
    access log written as the services write it (JSON lines, here to /dev/null)."""

    def __init__(self, pki: Path) -> None:
        self.log = open(os.devnull, "w")
        handler = logging.StreamHandler(self.log)
        handler.setFormatter(JsonFormatter("identity"))
        logging.getLogger().handlers[:] = [handler]
        logging.getLogger().setLevel(logging.INFO)
        server_tls, client_tls = tls_pair(pki, "identity")
        self.server = GrpcServer("identity", port=0, verifier=None, tls=server_tls)
        self.server.add(
            identity_pb2_grpc.add_IdentityServiceServicer_to_server,
            KeySet(),
            "jes.identity.v1.IdentityService",
        )
        self.server.start()
        self.client = Client(
            f"127.0.0.1:{self.server.port}", identity_pb2_grpc.IdentityServiceStub, tls=client_tls
        )

    def call(self, _: object) -> None:
        reply = self.client.stub.GetKeySet(identity_pb2.GetKeySetRequest())
        assert len(reply.jwks_json) == REPLY_BYTES

    def close(self) -> None:
        self.server.stop(0)
        logging.getLogger().handlers[:] = []
        self.log.close()


def statement_floor(calls: int, rounds: int) -> tuple[list[float], list[float]] | None:
    """(this process's CPU ms, the PostgreSQL backend's CPU ms) a statement, or None when
    this checkout's PostgreSQL is not up."""
    from sqlalchemy import bindparam, text

    from jes_db import Database

    settings = dict(os.environ)
    if "JES_PG_URL_BASE" not in settings or not postgres_up(settings):
        return None
    db = Database(database(settings, "bench_case_page_floor"))
    with db.statements() as session:
        session.execute(
            text("CREATE TABLE IF NOT EXISTS floor_rows (id text PRIMARY KEY, body text NOT NULL)")
        )
        session.execute(
            text(
                "INSERT INTO floor_rows SELECT 'row-' || n, repeat('進行事項', 20)"
                " FROM generate_series(1, 1000) AS n ON CONFLICT DO NOTHING"
            )
        )
    one_row = text("SELECT id, body FROM floor_rows WHERE id = :id").bindparams(bindparam("id"))
    with db.statements() as session:
        backend = int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())

    def statement(n: int) -> None:
        with db.statements() as session:
            row = session.connection().execute(one_row, {"id": f"row-{1 + n % 1000}"}).one()
            assert row.body.startswith("進行事項")

    ours = cpu_ms_each(statement, list(range(calls)))
    theirs = []  # the pool hands this thread the same connection, so the same backend
    for _ in range(rounds):
        before = process_cpu_ms(backend)
        for n in range(calls):
            statement(n)
        theirs.append((process_cpu_ms(backend) - before) / calls)
    db.dispose()
    return ours, theirs


def per_item(values: list[float], items: int) -> list[float]:
    return [value / items for value in values]


def _verdict(reachable: bool) -> str:
    return "reachable" if reachable else "NOT reachable"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000, help="pages and calls a step")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--stream", type=int, default=5000, help="entries a stream")
    args = parser.parse_args()

    from jinja2 import Environment

    template = Environment(autoescape=True).from_string(TEMPLATE)

    def render(n: object) -> None:
        template.render(**page_context(str(n)))

    entries = [b"e" * ENTRY_BYTES] * args.stream
    chunks = [b"e" * (ENTRY_BYTES * CHUNK)] * (args.stream // CHUNK)
    with tempfile.TemporaryDirectory(prefix="jes-bench-page-floor-") as scratch:
        hop = GrpcHop(Path(scratch) / "pki")
        jes_hop = JesHop(Path(scratch) / "pki")
        try:
            steps = {
                "http (gateway, a page)": http_floor(args.calls, args.rounds),
                "grpc call (both ends)": cpu_ms_each(hop.call, list(range(args.calls))),
            }
            jes_call = {"jes call (both ends)": cpu_ms_each(jes_hop.call, list(range(args.calls)))}
            measured = statement_floor(args.calls, args.rounds)
            if measured is not None:
                steps["statement (this process)"], steps["statement (PostgreSQL)"] = measured
            streams = {
                "stream msg (both ends, an entry)": per_item(
                    cpu_ms_each(hop.stream, [entries] * args.rounds), len(entries)
                ),
                f"chunk msg of {CHUNK} (both ends, an entry)": per_item(
                    cpu_ms_each(hop.stream, [chunks] * args.rounds), len(chunks) * CHUNK
                ),
            }
        finally:
            hop.close()
            jes_hop.close()
    baseline = cpu_ms_each(render, list(range(args.calls)))

    figures = {
        name: summary(values)
        for name, values in (
            steps | jes_call | streams | {"baseline: the template alone": baseline}
        ).items()
    }
    http_ms = figures["http (gateway, a page)"]["median"]
    call_ms = figures["grpc call (both ends)"]["median"]
    statement_ms = sum(
        figures[name]["median"]
        for name in ("statement (this process)", "statement (PostgreSQL)")
        if name in figures
    )
    floor = http_ms + 2 * call_ms + 5 * statement_ms
    baseline_ms = figures["baseline: the template alone"]["median"]
    best_rate = CORES * 1000 / floor
    print(f"the least CPU a case page costs on this stack ({args.calls} pages and calls a step)")
    print(cpu_table(figures, digits=3))
    print(
        f"floor of a page (http + 2 grpc calls + 5 statements"
        f"{'' if statement_ms else ': PostgreSQL not up, none counted'}), before any rule:"
        f" {floor:.2f} ms of the {BUDGET_MS:.2f} ms two cores have a page at"
        f" {TARGET_PAGES_PER_SECOND}/s ({100 * floor / BUDGET_MS:.0f}%);"
        f" in-run baseline (the template alone) {baseline_ms:.2f} ms"
    )
    print(
        f"best pages/s on {CORES} cores with nothing but the floor: {best_rate:.0f}"
        f" (target {TARGET_PAGES_PER_SECOND}: {_verdict(best_rate >= TARGET_PAGES_PER_SECOND)}"
        f" on the floor alone; {BUDGET_MS - floor:.2f} ms a page left for everything else)"
    )
    jes_ms = figures["jes call (both ends)"]["median"]
    print(
        f"a call through JES's server and client costs {jes_ms:.2f} ms against gRPC's"
        f" {call_ms:.2f} ms: {jes_ms - call_ms:.2f} ms a call, {2 * (jes_ms - call_ms):.2f} ms"
        " a page, for the caller check, metrics, the access log, protobuf and the deadline"
    )
    stream_ms = figures["stream msg (both ends, an entry)"]["median"]
    chunk_ms = figures[f"chunk msg of {CHUNK} (both ends, an entry)"]["median"]
    print(
        f"an entry pushed one a message costs the transport {1000 * stream_ms:.0f} µs,"
        f" in chunks of {CHUNK} {1000 * chunk_ms:.1f} µs ({stream_ms / chunk_ms:.0f}×)"
    )
    print(load_note())
    path = write_results(
        "case-page-floor",
        {
            "steps": figures,
            "page_floor_ms": floor,
            "jes_call_ms": jes_ms,
            "budget_ms": BUDGET_MS,
            "best_pages_per_second": best_rate,
        },
    )
    print(f"results: {path}")


if __name__ == "__main__":
    sys.exit(main())
