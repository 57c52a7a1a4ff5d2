"""A whole court's data again (reconciliation): only differences are applied and
announced, so nothing is mailed twice; queries answer throughout."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import cases_pb2
from jes_grpckit import field_violations


def start(run_id: str = "r-1", as_of: datetime | None = None) -> pb.ReconcileMessage:
    message = pb.ReconcileMessage(
        court_code="TPD", start=pb.ReconcileStart(reconciliation_id=run_id)
    )
    message.start.as_of.FromDatetime(as_of or datetime.now(UTC))
    return message


def snapshot(case, *entries, **fields) -> pb.ReconcileMessage:
    return pb.ReconcileMessage(
        court_code="TPD", snapshot=pb.CaseSnapshot(case=case, entries=list(entries), **fields)
    )


def end(count: int) -> pb.ReconcileMessage:
    return pb.ReconcileMessage(court_code="TPD", end=pb.ReconcileEnd(case_count=count))


def reconcile(service, messages, client=None) -> pb.ReconcileCourtResponse:
    return (client or service.court_system()).call("ReconcileCourt", iter(messages))


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_re_sending_what_is_held_changes_nothing_and_mails_nobody(service):
    case = service.case()
    service.follow(case, "zhang@example.com")
    service.push(case, service.entry("e-1", item="準備程序"))
    service.push(case, service.entry("e-2", item="言詞辯論"))
    reply = reconcile(
        service,
        [
            start(),
            snapshot(
                case, service.entry("e-1", item="準備程序"), service.entry("e-2", item="言詞辯論")
            ),
            end(1),
        ],
    )
    assert (reply.cases, reply.cases_changed, reply.created) == (1, 0, 0)
    assert len(service.added()) == 2  # the two pushes only


def test_only_the_differences_are_applied_and_announced(service):
    held = service.case()
    service.follow(held, "zhang@example.com")
    service.push(held, service.entry("e-1", item="準備程序"))
    service.push(held, service.entry("gone", item="誤植"))
    unknown = service.case()
    reply = reconcile(
        service,
        [
            start(),
            snapshot(
                held,
                service.entry("e-1", item="準備程序（更正）"),
                service.entry("missed", item="漏傳的進度"),
                status=cases_pb2.CASE_STATUS_CLOSED,
                status_effective_on="2026-11-20",
            ),
            snapshot(unknown, service.entry("x-1", item="分案")),
            end(2),
        ],
    )
    assert (reply.cases, reply.cases_changed) == (2, 2)
    assert (reply.created, reply.corrected, reply.withdrawn, reply.status_changed) == (2, 1, 1, 1)
    added = {a.entry.source_entry_id: e for _, e, a in service.added() if e.from_reconciliation}
    assert sorted(added) == ["missed", "x-1"]
    assert [f.email for f in added["missed"].followers] == ["zhang@example.com"]
    [(_, withdrawn)] = service.events(events.ProgressEntryWithdrawn)
    assert withdrawn.entry.source_entry_id == "gone"
    again = reconcile(
        service,
        [
            start("r-2"),
            snapshot(
                held,
                service.entry("e-1", item="準備程序（更正）"),
                service.entry("missed", item="漏傳的進度"),
                status=cases_pb2.CASE_STATUS_CLOSED,
                status_effective_on="2026-11-20",
            ),
            snapshot(unknown, service.entry("x-1", item="分案")),
            end(2),
        ],
    )
    assert again.cases_changed == 0  # the second run finds nothing to do


def test_an_entry_pushed_after_the_snapshot_was_read_is_kept(service):
    case = service.case()
    service.push(case, service.entry("e-1"))
    as_of = datetime.now(UTC) - timedelta(minutes=5)  # read before e-1 arrived
    reply = reconcile(service, [start(as_of=as_of), snapshot(case), end(1)])
    assert reply.withdrawn == 0
    assert service.events(events.ProgressEntryWithdrawn) == []


@pytest.mark.parametrize(
    ("messages", "field"),
    [
        (lambda s, c: [snapshot(c), end(1)], "part"),  # no start
        (lambda s, c: [start(), snapshot(c), end(2)], "end.case_count"),
        (lambda s, c: [start(), snapshot(c)], "end"),  # never ended
        (lambda s, c: [start(), end(0), start()], "part"),
        (
            lambda s, c: [start(), snapshot(c, s.entry("a", item="")), end(1)],
            "snapshots[1].entries[0].item",
        ),
        (
            lambda s, c: [start(), snapshot(c, s.entry("a"), s.entry("a")), end(1)],
            "snapshots[1].entries[1].source_entry_id",
        ),
    ],
)
def test_a_malformed_reconciliation_is_refused(service, messages, field):
    error = rpc_error(reconcile, service, messages(service, service.case()))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in field_violations(error)


def test_a_court_system_reconciles_its_own_court_only(service):
    kld = service.court_system("KLD")
    error = rpc_error(reconcile, service, [start(), end(0)], client=kld)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_queries_go_on_while_a_court_is_reconciled(service):
    cases = [service.case() for _ in range(60)]
    service.push(cases[0], service.entry("e-0"))
    done = threading.Event()
    answered = []

    def query() -> None:
        client = service.court_system()
        while not done.is_set():
            reply = client.call("ListProgress", pb.ListProgressRequest(case=cases[0]))
            answered.append(len(reply.entries))

    reader = threading.Thread(target=query)
    reader.start()
    try:
        messages = [start()]
        messages += [snapshot(case, service.entry(f"r-{i}")) for i, case in enumerate(cases)]
        messages.append(end(len(cases)))
        reply = reconcile(service, messages)
    finally:
        done.set()
        reader.join()
    assert reply.cases == 60
    assert answered and set(answered) <= {1}
