"""The SMTP sink's CPU a mail (deploy/local/smtp_sink.py: the local stack's stand-in for
a mail server, on the same 2 cores as the platform it measures in bench_progress_mail).

Sends --mails mails like notification's progress notices (compat32, base64 UTF-8 body,
~2 KB) over --connections SMTP connections at once, then reads them back from the
sink's HTTP API (every one must be there), and reads the sink process's CPU from
/proc/<pid>/stat.

In-run baseline: the same mails to aiosmtpd's own do-nothing handler
(aiosmtpd.handlers.Sink behind aiosmtpd's Controller: the floor of an aiosmtpd server)."""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from email.header import Header
from email.mime.text import MIMEText
from pathlib import Path

import requests
from common import table, write_results

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
FLOOR = """
import sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
threading.Event().wait()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def message(run: str, n: int) -> MIMEText:
    body = "\n".join(
        [f"案件進度通知 {n}", "臺灣臺北地方法院 民事 115年度訴字第123號"]
        + [f"民國 115年 11月20日 星期五 登載事項：bench-{run}-{n}-{line}" for line in range(20)]
    )
    mail = MIMEText(body, "plain", "utf-8")
    mail["From"] = "no-reply@jes.example"
    mail["To"] = f"bench-{n % 100}@example.com"
    mail["Subject"] = Header(f"案件進度通知：115.訴.000123（{n} 筆）", "utf-8")  # type: ignore[assignment]
    mail["Message-ID"] = f"<{run}-{n}@jes>"
    mail["List-Unsubscribe"] = "<https://jes.example/unsubscribe/abc>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return mail


def send_all(port: int, run: str, mails: int, connections: int) -> float:
    """Sends the mails over `connections` connections at once; returns the wall time."""
    prepared = [message(run, n) for n in range(mails)]

    def share(first: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            for mail in prepared[first::connections]:
                smtp.send_message(mail)

    threads = [threading.Thread(target=share, args=(c,)) for c in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def measure(args: list[str], port: int, run: str, mails: int, connections: int) -> dict:
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port)
        time.sleep(0.5)  # let the start-up settle before the CPU is read
        before = cpu_seconds(process.pid)
        wall = send_all(port, run, mails, connections)
        cpu = cpu_seconds(process.pid) - before
    finally:
        process.terminate()
        process.wait(timeout=20)
    return {"cpu_s": cpu, "wall_s": wall, "cpu_ms_a_mail": cpu * 1000 / mails}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mails", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    run = f"{os.getpid()}-{int(time.time())}"
    results = {}
    with tempfile.TemporaryDirectory(prefix="jes-bench-sink-") as folder:
        smtp_port, http_port = free_port(), free_port()
        sink = [
            sys.executable,
            str(ROOT / "deploy" / "local" / "smtp_sink.py"),
            f"--smtp-port={smtp_port}",
            f"--http-port={http_port}",
            f"--store={Path(folder) / 'messages.jsonl'}",
        ]
        results["sink"] = measure(sink, smtp_port, run, args.mails, args.connections)
        # the sink is stopped: start it again on its file, and count what it kept
        process = subprocess.Popen(sink, cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            wait_for_port(http_port)
            kept = requests.get(f"http://127.0.0.1:{http_port}/messages", timeout=120).json()
        finally:
            process.terminate()
            process.wait(timeout=20)
        ids = {mail["message_id"] for mail in kept}
        missing = args.mails - len({f"<{run}-{n}@jes>" for n in range(args.mails)} & ids)
        floor_port = free_port()
        results["floor"] = measure(
            [sys.executable, "-c", FLOOR, str(floor_port)],
            floor_port,
            run,
            args.mails,
            args.connections,
        )
    rows = [
        [name, f"{r['cpu_ms_a_mail']:.3f}", f"{r['cpu_s']:.2f}", f"{r['wall_s']:.2f}"]
        for name, r in (
            ("smtp_sink.py (records each mail)", results["sink"]),
            ("baseline: aiosmtpd's Sink (does nothing)", results["floor"]),
        )
    ]
    print(
        f"the SMTP sink: {args.mails} mails over {args.connections} connections; "
        f"missing after a restart: {missing}"
    )
    print(table(["server", "CPU ms a mail", "CPU s", "wall s"], rows))
    ratio = results["sink"]["cpu_s"] / results["floor"]["cpu_s"]
    print(f"sink CPU / baseline CPU: {ratio:.2f}; load average {os.getloadavg()}")
    write_results(
        "smtp_sink",
        {
            "mails": args.mails,
            "connections": args.connections,
            "missing": missing,
            **results,
            "sink_over_baseline": ratio,
        },
    )
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
