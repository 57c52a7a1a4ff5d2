"""Issue 11: the case page through the gateway, p99 at most 50 ms at 300 requests per
second, with 1 million cases and 10 million entries in PostgreSQL.

The data is bench_case_page.py's (the database `bench_case_page`, made once by PostgreSQL
and kept). This starts identity, case-sync and the gateway as real processes in
distributed mode (each in its own process, on this checkout's PostgreSQL and Kafka:
`bash deploy/local/infra.sh up` first), with identity and the gateway on databases of
their own (`bench_case_page_identity`, `bench_case_page_gateway`, kept). It makes
`--readers` litigant accounts (案件進度查詢帳號, password set) in identity, gives each
follows of its share of the followed cases, and signs each in through the login page
(a session cookie each, as a browser). Then an open-loop load: `--rate` requests per
second on a fixed schedule for `--seconds`, whatever the answers' latency, each
request's latency counted from its scheduled send time (so queueing is not hidden),
first on the gateway's /healthz (the in-run baseline: the same load on a trivial route
of the same server), then on `/cases/<id>` of random followed cases, each by the reader
that follows it. Every page is what a browser gets: identity refreshes the session
(RefreshSession), case-sync reads the page (GetCase, recording the visit), the gateway
renders the HTML.

The load generator is a small HTTP/1.1 client on asyncio (keep-alive connections, opened
as needed, so a slow answer never delays the next send).

    .venv/bin/python bench/bench_case_page_http.py [--rate 300] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_case_page import DATABASE, READER, database, ensure_data, followed_cases
from common import ROOT, load_note, postgres_up, scheduler_seconds, table, write_results

IDENTITY_DATABASE = "bench_case_page_identity"
GATEWAY_DATABASE = "bench_case_page_gateway"
PASSWORD = "Bench-Case-Page-2026!"
READER_PREFIX = "BENCHPAGE"


# -- the readers ---------------------------------------------------------------------------


def ensure_readers(identity_url: str, count: int) -> list[tuple[str, str]]:
    """`count` case-progress accounts with their password set: (login name, account id)."""
    from sqlalchemy import create_engine, text

    from jes_db import Database
    from jes_identity.app import ensure_account

    db = Database(identity_url)
    names = [f"{READER_PREFIX}{n:03d}" for n in range(count)]
    for name in names:
        ensure_account(
            db,
            account_id=name,
            password=PASSWORD,
            display_name=f"測試讀者{name[-3:]}",
            email=f"{name.lower()}@example.com",
            roles=["progress"],
        )
    db.dispose()
    engine = create_engine(identity_url)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT account_id, id FROM accounts WHERE account_id = ANY(:names)"),
            {"names": names},
        )
        ids = {str(name): str(account_id) for name, account_id in found}
    engine.dispose()
    return [(name, ids[name]) for name in names]


def ensure_follows(url: str, readers: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Each reader follows its share of the cases the bench's follower follows (the same
    cases bench_case_page.py reads); returns reader login name -> case ids."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    ids = [account_id for _, account_id in readers]
    with engine.connect() as conn:
        cases = sorted(
            conn.execute(
                text("SELECT case_id FROM followers WHERE account_id = :a"), {"a": READER}
            ).scalars()
        )
        conn.execute(text("DELETE FROM followers WHERE email LIKE 'bench-http-%'"))
        conn.execute(
            text(
                "INSERT INTO followers (id, case_id, email, role, created_at, account_id,"
                " account_username, status, applicant_name, application_id, approved_by,"
                " revoke_reason)"
                " SELECT md5('h' || n)::uuid::text, c, 'bench-http-' || n || '@example.com',"
                " '當事人', now(), (CAST(:ids AS text[]))[1 + (n - 1) % :readers], '', 'active',"
                " '', '', '', '' FROM unnest(CAST(:cases AS text[])) WITH ORDINALITY AS t(c, n)"
            ),
            {"ids": ids, "readers": len(ids), "cases": cases},
        )
        conn.execute(text("ANALYZE followers"))
    engine.dispose()
    shares: dict[str, list[str]] = {name: [] for name, _ in readers}
    for n, case_id in enumerate(cases):
        shares[readers[n % len(readers)][0]].append(case_id)
    return shares


# -- the servers ---------------------------------------------------------------------------


def start_servers(settings: dict[str, str], work: Path, case_sync_url: str) -> Any:
    """identity, case-sync and the gateway in distributed mode, as the tests start them."""
    from jes_config import SERVICES
    from support.distributed import Distributed

    databases = {name: f"bench_unused_{name.replace('-', '_')}" for name in SERVICES}
    databases["identity"] = IDENTITY_DATABASE
    databases["case-sync"] = case_sync_url.rsplit("/", 1)[1].split("?", 1)[0]
    jes = Distributed(settings, work, databases)
    jes.processes["gateway"].env["JES_DATABASE_URL"] = (
        f"{settings['JES_PG_URL_BASE']}/{GATEWAY_DATABASE}"
    )
    for name in ("identity", "case-sync", "gateway"):
        jes.processes[name].start()
    return jes


def wait_ready(jes: Any, timeout: float = 240) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name in ("identity", "case-sync", "gateway"):
            if not jes.processes[name].alive():
                raise RuntimeError(f"{name} ended:\n{jes.processes[name].log_tail(30)}")
        try:
            if requests.get(f"{jes.base_url}/login", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError("the gateway did not answer /login")


def forget_logins(settings: dict[str, str]) -> None:
    """The bench signs its readers in from 127.0.0.1 at every run; the gateway allows one
    client 20 logins in 5 minutes (kept in its database, the bench's own): start afresh."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import ProgrammingError

    from support.distributed import pg_url

    engine = create_engine(pg_url(settings, GATEWAY_DATABASE))
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM rate_limit_hits"))
    except ProgrammingError:  # no table yet: nothing to forget
        pass
    engine.dispose()


CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


def sign_in(base_url: str, login_name: str, timeout: float = 120) -> str:
    """The login page, as a browser: returns the session cookie header."""
    import requests

    deadline = time.monotonic() + timeout
    while True:
        http = requests.Session()
        page = http.get(f"{base_url}/login", timeout=30)
        found = CSRF.search(page.text)
        assert found, "no csrf_token on the login page"
        reply = http.post(
            f"{base_url}/login",
            data={"csrf_token": found.group(1), "account_id": login_name, "password": PASSWORD},
            allow_redirects=False,
            timeout=30,
        )
        if reply.status_code == 302 and "/login" not in reply.headers.get("Location", ""):
            return "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        if time.monotonic() > deadline:  # identity still starting, or a real refusal
            raise RuntimeError(f"{login_name} could not sign in: {reply.status_code}")
        time.sleep(2)


# -- the open-loop load --------------------------------------------------------------------


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)  # ms, from the scheduled send
    # ms from the scheduled send to giving up (>= the 30 s timeout): counted in the
    # percentiles too, or an overloaded server would look fast on the few it answered
    unanswered: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    connections: int = 0
    late_sends: int = 0  # sends more than 5 ms late: the load generator itself was behind


class Connections:
    """Idle keep-alive connections to the gateway; a new one when none is idle."""

    def __init__(self, host: str, port: int, load: Load):
        self.host, self.port, self.load = host, port, load
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.idle:
            return self.idle.pop()
        self.load.connections += 1
        return await asyncio.open_connection(self.host, self.port)

    def put(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        self.idle.append(conn)

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


async def one_request(pool: Connections, path: str, cookie: str) -> int:
    """GET `path`; the status (the body is read and dropped)."""
    reader, writer = await pool.get()
    try:
        head = f"GET {path} HTTP/1.1\r\nHost: {pool.host}:{pool.port}\r\n"
        if cookie:
            head += f"Cookie: {cookie}\r\n"
        writer.write((head + "\r\n").encode())
        status_line = await reader.readline()
        status = int(status_line.split()[1])
        length = 0
        close = False
        chunked = False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await reader.readexactly(length)
    except BaseException:
        writer.close()
        raise
    if close:
        writer.close()
    else:
        pool.put((reader, writer))
    return status


async def open_loop(
    base_url: str, rate: float, seconds: float, requests_: list[tuple[str, str]]
) -> Load:
    """Send requests_[i] at t0 + i/rate whatever came back; latency from that time."""
    host, port = base_url.removeprefix("http://").split(":")
    load = Load()
    pool = Connections(host, int(port), load)
    count = int(rate * seconds)
    tasks: list[asyncio.Task[None]] = []

    async def send(scheduled: float, path: str, cookie: str) -> None:
        try:
            status = await asyncio.wait_for(one_request(pool, path, cookie), 30)
        except Exception as error:
            key = type(error).__name__
        else:
            key = "" if status == 200 else f"HTTP {status}"
        if key:
            load.errors[key] = load.errors.get(key, 0) + 1
            if key == "TimeoutError":
                load.unanswered.append((time.perf_counter() - scheduled) * 1000)
        else:
            load.latencies.append((time.perf_counter() - scheduled) * 1000)

    t0 = time.perf_counter() + 0.1
    for i in range(count):
        scheduled = t0 + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.005:
            load.late_sends += 1
        path, cookie = requests_[i % len(requests_)]
        tasks.append(asyncio.create_task(send(scheduled, path, cookie)))
    await asyncio.gather(*tasks)
    pool.close()
    return load


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {
        "n": len(ordered),
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1], 1),
    }


def cpu_seconds(jes: Any) -> dict[str, float]:
    """User + system CPU seconds of each server so far."""
    out = {}
    for name in ("identity", "case-sync", "gateway"):
        popen = jes.processes[name].popen
        out[name] = scheduler_seconds(popen.pid)[0] if popen is not None else 0.0
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument(
        "--database", default=DATABASE, help="case-sync's bench database (another for a trial)"
    )
    args = parser.parse_args()
    followed = followed_cases(args.cases)
    sys.path.insert(0, str(ROOT / "tests"))
    from support.distributed import infra_settings
    from support.services import embedded_config

    settings = infra_settings()
    if not postgres_up(settings):
        print("skipped: needs this checkout's PostgreSQL (bash deploy/local/infra.sh up)")
        return 0
    url = database(settings, args.database)
    identity_url = database(settings, IDENTITY_DATABASE)
    database(settings, GATEWAY_DATABASE)
    from jes_case_sync.app import build

    work = Path(tempfile.mkdtemp(prefix="bench-case-page-http-"))
    kit = build(
        embedded_config("case-sync", work, JES_DATABASE_URL=url), identity_port=None, metrics=False
    )  # migrations, before the data
    kit.db.dispose()
    made = ensure_data(url, args.cases, args.entries, followed)
    jes = start_servers(settings, work, url)
    try:
        wait_ready(jes)
        forget_logins(settings)
        readers = ensure_readers(identity_url, args.readers)
        shares = ensure_follows(url, readers)
        cookies = {}
        for n, (name, _) in enumerate(readers):
            if n and n % 15 == 0:  # the gateway's 20 logins in 5 minutes from one client
                forget_logins(settings)
            cookies[name] = sign_in(jes.base_url, name)
        rng = random.Random(11)
        count = int(args.rate * args.seconds)
        pages = []
        for _ in range(count):
            name = rng.choice(list(shares))
            pages.append((f"/cases/{rng.choice(shares[name])}", cookies[name]))
        health = [("/healthz", "")]
        # warm-up: connections, the services' pools and caches, the index's upper levels
        asyncio.run(open_loop(jes.base_url, min(args.rate, 50), 4, pages[:200]))
        runs: dict[str, dict[str, Any]] = {}
        for name, paths in (
            ("baseline: /healthz", health),
            ("case page /cases/<id>", pages),
        ):
            before = cpu_seconds(jes)
            began = time.perf_counter()
            load = asyncio.run(open_loop(jes.base_url, args.rate, args.seconds, paths))
            wall = time.perf_counter() - began
            after = cpu_seconds(jes)
            # per answered request (a timed-out one may not have reached the servers)
            answered = max(
                1,
                len(load.latencies)
                + sum(n for key, n in load.errors.items() if key.startswith("HTTP")),
            )
            runs[name] = {
                "ok": len(load.latencies),
                **percentiles(load.latencies + load.unanswered),
                "errors": load.errors,
                "connections": load.connections,
                "late_sends": load.late_sends,
                "wall_s": round(wall, 1),
                "cpu_ms_per_request": {
                    k: round((after[k] - before[k]) * 1000 / answered, 2) for k in after
                },
            }
    finally:
        jes.stop()
    rows = [
        [
            name,
            r["ok"],
            r.get("p50"),
            r.get("p95"),
            r.get("p99"),
            r.get("max"),
            sum(r["errors"].values()),
            r["connections"],
            r["late_sends"],
            " ".join(f"{k} {v}" for k, v in r["cpu_ms_per_request"].items()),
        ]
        for name, r in runs.items()
    ]
    print(
        table(
            [
                "route",
                "ok",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "errors",
                "conns",
                "late",
                "CPU ms/req",
            ],
            rows,
        )
    )
    page = runs["case page /cases/<id>"]
    verdict = "met" if page.get("p99", 1e9) <= 50 and not page["errors"] else "MISSED"
    print(
        f"open loop {args.rate:.0f} requests/s for {args.seconds:.0f} s each;"
        f" cases {args.cases}, entries {args.entries}, {args.readers} readers over"
        f" {followed} followed cases; data made in {made:.0f} s (0: reused)"
    )
    print(f"target p99 <= 50 ms at {args.rate:.0f}/s: {verdict}; errors {page['errors']}")
    print(load_note())
    path = write_results(
        "case-page-http",
        {
            "cases": args.cases,
            "entries": args.entries,
            "rate": args.rate,
            "seconds": args.seconds,
            "readers": args.readers,
            **runs,
        },
    )
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
