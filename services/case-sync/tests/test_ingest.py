"""Ingest rules through a real gRPC server, as court systems call it: corrections,
withdrawals, status changes and the cut-off clock, details, hearings, and bad input
(future dates, juvenile cases, replayed, reordered or oversized streams) changing
nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest
from sqlalchemy import select

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import cases_pb2
from jes.events.v1.envelope_pb2 import Envelope
from jes_case_sync.models import Case, ProgressEntry, audit_log
from jes_grpckit import field_violations
from jes_protos import open_envelope

ALL_EVENTS = (
    events.ProgressEntriesAdded,
    events.ProgressEntryCorrected,
    events.ProgressEntryWithdrawn,
    events.CaseStatusChanged,
)


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def event_count(service) -> int:
    return sum(len(service.events(kind)) for kind in ALL_EVENTS)


# a test of a batch's rules: run on IngestProgress and on IngestProgressChunks
both_ingest_rpcs = pytest.mark.usefixtures("ingest_rpc")


def at(text: str):
    stamp = pb.CaseChange().changed_at
    stamp.FromDatetime(datetime.fromisoformat(text).replace(tzinfo=UTC))
    return stamp


def change(case, **parts) -> pb.CaseChange:
    message = pb.CaseChange(case=case)
    for name, value in parts.items():
        if name == "changed_at":
            message.changed_at.CopyFrom(at(value))
        else:
            getattr(message, name).CopyFrom(value)
    return message


def status(value, effective_on: str) -> pb.StatusChange:
    return pb.StatusChange(status=value, effective_on=effective_on)


def case_row(service, case_id: str) -> Case:
    with service.kit.db.transaction() as session:
        row = session.get(Case, case_id)
        assert row is not None
        return row


# -- corrections and withdrawals ------------------------------------------------------------


def test_a_correction_replaces_the_text_and_announces_it_once(service):
    case = service.case()
    service.follow(case, "zhang@example.com")
    service.push(case, service.entry("e-1", item="言詞辯論"))
    fixed = service.entry("e-1", item="言詞辯論（更正：改期）")
    first = service.apply(change(case, correct=fixed))
    again = service.apply(change(case, correct=fixed))
    assert first.outcome == pb.CHANGE_OUTCOME_APPLIED
    assert again.outcome == pb.CHANGE_OUTCOME_UNCHANGED
    [(_, event)] = service.events(events.ProgressEntryCorrected)
    assert (event.previous.item, event.entry.item) == ("言詞辯論", "言詞辯論（更正：改期）")
    assert [f.email for f in event.followers] == ["zhang@example.com"]
    [(_, _, added)] = service.added()
    assert event.entry_id == added.entry_id


def test_a_withdrawal_hides_the_entry_and_is_idempotent(service):
    case = service.case()
    service.push(case, service.entry("e-1", item="誤植"))
    service.push(case, service.entry("e-2", item="準備程序"))
    withdraw = pb.EntryWithdrawal(source_entry_id="e-1", reason="誤植")
    assert service.apply(change(case, withdraw=withdraw)).outcome == pb.CHANGE_OUTCOME_APPLIED
    assert service.apply(change(case, withdraw=withdraw)).outcome == pb.CHANGE_OUTCOME_UNCHANGED
    [(_, event)] = service.events(events.ProgressEntryWithdrawn)
    assert (event.entry.item, event.reason) == ("誤植", "誤植")
    listed = service.court_system().call("ListProgress", pb.ListProgressRequest(case=case))
    assert [e.item for e in listed.entries] == ["準備程序"]


def test_correcting_or_withdrawing_an_unknown_entry_is_not_found(service):
    case = service.case()
    service.push(case, service.entry("e-1"))
    for part in (
        {"correct": service.entry("nope")},
        {"withdraw": pb.EntryWithdrawal(source_entry_id="nope")},
    ):
        error = rpc_error(service.apply, change(case, **part))
        assert error.code() == grpc.StatusCode.NOT_FOUND
        assert len(field_violations(error)) == 1


def test_a_withdrawn_entry_cannot_be_corrected(service):
    case = service.case()
    service.push(case, service.entry("e-1"))
    service.apply(change(case, withdraw=pb.EntryWithdrawal(source_entry_id="e-1")))
    error = rpc_error(service.apply, change(case, correct=service.entry("e-1", item="新")))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_a_change_older_than_the_held_one_is_stale_and_changes_nothing(service):
    """Reordered changes: the court system's changed_at orders them."""
    case = service.case()
    service.apply(change(case, post=service.entry("e-1", item="原"), changed_at="2026-11-01T01:00"))
    newer = change(case, correct=service.entry("e-1", item="新"), changed_at="2026-11-02T01:00")
    older = change(case, correct=service.entry("e-1", item="舊"), changed_at="2026-11-01T12:00")
    assert service.apply(newer).outcome == pb.CHANGE_OUTCOME_APPLIED
    assert service.apply(older).outcome == pb.CHANGE_OUTCOME_STALE
    listed = service.court_system().call("ListProgress", pb.ListProgressRequest(case=case))
    assert [e.item for e in listed.entries] == ["新"]
    assert len(service.events(events.ProgressEntryCorrected)) == 1


# -- statuses and the cut-off clock ---------------------------------------------------------


def test_an_appeal_starts_the_clock_and_tells_the_followers_the_dates(service):
    case = service.case()
    service.follow(case, "zhang@example.com")
    reply = service.apply(change(case, status=status(cases_pb2.CASE_STATUS_APPEALED, "2026-11-10")))
    [(envelope, event)] = service.events(events.CaseStatusChanged)
    assert envelope.subject == reply.case_id
    assert (event.status, event.previous_status) == (
        cases_pb2.CASE_STATUS_APPEALED,
        cases_pb2.CASE_STATUS_PENDING,
    )
    assert (event.effective_on, event.cut_off_on, event.warn_on) == (
        "2026-11-10",
        "2027-01-11",
        "2027-01-04",
    )
    assert [f.email for f in event.followers] == ["zhang@example.com"]
    row = case_row(service, reply.case_id)
    assert (row.status, str(row.cut_off_on)) == ("appealed", "2027-01-11")


@pytest.mark.parametrize(
    "value",
    [
        cases_pb2.CASE_STATUS_INTERLOCUTORY_APPEAL,
        cases_pb2.CASE_STATUS_EXECUTION,
        cases_pb2.CASE_STATUS_ARCHIVED,
    ],
)
def test_interlocutory_appeal_execution_and_archive_start_it_too(service, value):
    service.apply(change(service.case(), status=status(value, "2026-11-10")))
    [(_, event)] = service.events(events.CaseStatusChanged)
    assert event.cut_off_on == "2027-01-11"


def test_back_to_pending_stops_the_clock_and_the_same_status_again_changes_nothing(service):
    case = service.case()
    service.apply(change(case, status=status(cases_pb2.CASE_STATUS_APPEALED, "2026-11-10")))
    again = service.apply(change(case, status=status(cases_pb2.CASE_STATUS_APPEALED, "2026-11-10")))
    assert again.outcome == pb.CHANGE_OUTCOME_UNCHANGED
    service.apply(change(case, status=status(cases_pb2.CASE_STATUS_PENDING, "2026-11-20")))
    first, second = [event for _, event in service.events(events.CaseStatusChanged)]
    assert first.cut_off_on == "2027-01-11"
    assert second.cut_off_on == "" and second.status == cases_pb2.CASE_STATUS_PENDING
    assert case_row(service, again.case_id).cut_off_on is None


def test_a_cut_off_case_keeps_its_data_but_notifies_nobody(service):
    case = service.case()
    service.follow(case, "zhang@example.com")
    # went up on appeal more than two months ago: cut off today
    service.apply(change(case, status=status(cases_pb2.CASE_STATUS_APPEALED, "2026-08-01")))
    assert service.push(case, service.entry("late")).created
    [(_, event, _)] = service.added()
    assert list(event.followers) == []


# -- details, hearings ----------------------------------------------------------------------


def test_details_name_the_prosecutors(service):
    case = service.case(category=cases_pb2.CASE_CATEGORY_CRIMINAL)
    details = cases_pb2.CaseDetails(prosecutor_ids=["P-001", "P-002"], division="仁")
    assert service.apply(change(case, details=details)).outcome == pb.CHANGE_OUTCOME_APPLIED
    assert service.apply(change(case, details=details)).outcome == pb.CHANGE_OUTCOME_UNCHANGED
    fewer = cases_pb2.CaseDetails(prosecutor_ids=["P-002"], division="仁")
    reply = service.apply(change(case, details=fewer))
    assert reply.outcome == pb.CHANGE_OUTCOME_APPLIED
    assert event_count(service) == 0  # nobody is mailed about who prosecutes


def test_a_hearing_is_kept_from_the_court_or_read_from_the_text(service):
    case = service.case()
    sent = service.entry(
        "e-1",
        item="通知開庭",
        hearing=cases_pb2.Hearing(starts_at="2026-12-10T14:30", place="第5法庭", kind="準備程序"),
    )
    service.push(case, sent)
    service.push(case, service.entry("e-2", item="115/01/05 10:00第一法庭言詞辯論"))
    hearings = {added.entry.source_entry_id: added.entry.hearing for _, _, added in service.added()}
    assert hearings["e-1"] == sent.hearing
    assert (hearings["e-2"].starts_at, hearings["e-2"].place, hearings["e-2"].kind) == (
        "2026-01-05T10:00",
        "第一法庭",
        "言詞辯論",
    )


# -- bad input changes nothing --------------------------------------------------------------


def test_a_future_posting_date_is_refused(service):
    error = rpc_error(service.push, service.case(), service.entry(posted_on="2099-01-01"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error)) == {"entry.posted_on"}
    assert event_count(service) == 0


@both_ingest_rpcs
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": cases_pb2.CASE_CATEGORY_JUVENILE, "word": "少調"}, "case.category"),
        ({"category": cases_pb2.CASE_CATEGORY_CRIMINAL, "word": "少連上"}, "case.word"),
    ],
)
def test_a_juvenile_case_is_refused_with_a_clear_status(service, overrides, field):
    case = service.case(**overrides)
    for call in (
        lambda: service.push(case, service.entry()),
        lambda: service.apply(change(case, post=service.entry())),
        lambda: service.ingest([change(case, post=service.entry())]),
        lambda: service.follow(case, "a@example.com"),
    ):
        error = rpc_error(call)
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert error.details() == "少年事件不在案件進度查詢服務的範圍"
        assert [name.rsplit("case.", 1)[-1] for name in field_violations(error)] == [
            field.removeprefix("case.")
        ]
    assert event_count(service) == 0 and service.events(events.FollowApproved) == []


@both_ingest_rpcs
def test_a_replayed_stream_is_refused_and_changes_nothing(service):
    case = service.case()
    changes = [change(case, post=service.entry("e-1")), change(case, post=service.entry("e-2"))]
    assert service.ingest(changes, batch_id="tpd-2026-11-30-001").created == 2
    error = rpc_error(service.ingest, changes, batch_id="tpd-2026-11-30-001")
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert set(field_violations(error)) == {"batch_id"}
    [(_, announced)] = service.events(events.ProgressEntriesAdded)  # the first call's
    assert [added.entry.source_entry_id for added in announced.entries] == ["e-1", "e-2"]


@both_ingest_rpcs
def test_the_same_batch_id_of_another_court_is_another_batch(service):
    tpd = service.ingest([change(service.case(), post=service.entry())], batch_id="b-1")
    kld_case = service.case(court_code="KLD")
    kld = service.ingest(
        [change(kld_case, post=service.entry())], batch_id="b-1", client=service.court_system("KLD")
    )
    assert (tpd.created, kld.created) == (1, 1)


@both_ingest_rpcs
@pytest.mark.parametrize("sequences", [[1, 3], [2, 1], [1, 1], [0]])
def test_a_reordered_or_gapped_stream_is_refused_and_changes_nothing(service, sequences):
    case = service.case()
    framed = [
        pb.CaseChange(case=case, post=service.entry(f"e-{i}"), batch_id="b", sequence=sequence)
        for i, sequence in enumerate(sequences)
    ]
    error = rpc_error(service.stream, framed)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error)) == {"sequence"}
    assert event_count(service) == 0


@both_ingest_rpcs
def test_a_stream_without_a_batch_id_is_refused(service):
    message = pb.CaseChange(case=service.case(), post=service.entry(), sequence=1)
    error = rpc_error(service.stream, [message])
    assert set(field_violations(error)) == {"batch_id"}


@both_ingest_rpcs
def test_an_oversized_stream_is_refused_and_changes_nothing(service):
    case = service.case()
    changes = [change(case, post=service.entry(f"e-{i}")) for i in range(10_001)]
    error = rpc_error(service.ingest, changes)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert event_count(service) == 0
    with service.kit.db.transaction() as session:
        assert session.query(ProgressEntry).count() == 0


# -- IngestProgressChunks: what only chunks can get wrong ------------------------------------


def chunks_of(service, *sizes: int, batch_id: str = "b") -> list[pb.CaseChanges]:
    """Chunks of `sizes` new entries of one case, numbered 1, 2, 3 ... across them."""
    case = service.case()
    chunks, sequence = [], 0
    for size in sizes:
        chunk = pb.CaseChanges()
        for _ in range(size):
            sequence += 1
            chunk.changes.append(
                pb.CaseChange(
                    case=case,
                    post=service.entry(f"e-{sequence}"),
                    batch_id=batch_id,
                    sequence=sequence,
                )
            )
        chunks.append(chunk)
    return chunks


def test_chunks_of_any_size_make_one_batch(service):
    chunks = chunks_of(service, 3, 1, 0, 500)
    reply = service.court_system().call("IngestProgressChunks", iter(chunks))
    assert (reply.received, reply.created) == (504, 504)
    # one case's 504 new entries: announced 50 an event, in order
    announced = [event for _, event in service.events(events.ProgressEntriesAdded)]
    assert [len(event.entries) for event in announced] == [50] * 10 + [4]
    assert [added.entry.source_entry_id for event in announced for added in event.entries] == [
        f"e-{n}" for n in range(1, 505)
    ]
    with service.kit.db.transaction() as session:
        [record] = audit_log.entries(session, subject_ids=["b"])
    assert record.action == "ingest_batch"


def test_each_chunk_numbered_from_one_again_is_refused_and_changes_nothing(service):
    chunks = chunks_of(service, 2, 2)
    for number, sent in enumerate(chunks[1].changes, 1):
        sent.sequence = number
    error = rpc_error(service.court_system().call, "IngestProgressChunks", iter(chunks))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {"sequence": "應為第 3 筆，收到第 1 筆"}
    assert event_count(service) == 0


def test_a_bad_change_in_a_later_chunk_is_named_by_its_sequence(service):
    chunks = chunks_of(service, 2, 2)
    chunks[1].changes[1].post.item = ""
    error = rpc_error(service.court_system().call, "IngestProgressChunks", iter(chunks))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(field_violations(error)) == {"changes[4].post.item"}
    assert event_count(service) == 0


def test_one_chunk_over_the_limit_is_refused_and_changes_nothing(service):
    [chunk] = chunks_of(service, 10_001)
    error = rpc_error(service.court_system().call, "IngestProgressChunks", iter([chunk]))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert event_count(service) == 0


def test_a_message_naming_no_change_is_refused(service):
    error = rpc_error(service.apply, pb.CaseChange(case=service.case()))
    assert set(field_violations(error)) == {"change"}


@both_ingest_rpcs
def test_a_stream_of_every_kind_of_change_in_one_transaction(service):
    case = service.case()
    service.push(case, service.entry("old"))
    reply = service.ingest(
        [
            change(case, post=service.entry("e-1", item="準備程序")),
            change(case, correct=service.entry("e-1", item="準備程序（更正）")),
            change(case, withdraw=pb.EntryWithdrawal(source_entry_id="old")),
            change(case, status=status(cases_pb2.CASE_STATUS_CLOSED, "2026-11-20")),
            change(case, details=cases_pb2.CaseDetails(division="智")),
            change(case, post=service.entry("e-1")),  # re-sent: unchanged
        ]
    )
    assert (
        reply.received,
        reply.created,
        reply.corrected,
        reply.withdrawn,
        reply.status_changed,
        reply.details_changed,
        reply.unchanged,
    ) == (6, 1, 1, 1, 1, 1, 1)


def test_each_ingest_is_audited_with_what_it_changed(service):
    reply = service.push(service.case(), service.entry())
    with service.kit.db.transaction() as session:
        [record] = audit_log.entries(session, subject_ids=[reply.case_id])
    assert (record.actor_account_id, record.action) == ("court-system:TPD", "ingest_post")
    assert '"created": 1' in record.after_json


@both_ingest_rpcs
def test_a_status_in_a_stream_holds_for_the_entries_after_it(service):
    """The cases a stream names are read once; a status change among them (the clock
    already run out) still holds for the stream's next entries: no notices."""
    case, other = service.case(), service.case()
    service.follow(case, "zhang@example.com")
    service.follow(other, "li@example.com")
    reply = service.ingest(
        [
            change(case, post=service.entry("before")),
            change(case, status=status(cases_pb2.CASE_STATUS_APPEALED, "2026-08-01")),
            change(case, post=service.entry("after")),
            change(other, post=service.entry("other")),
        ]
    )
    assert (reply.created, reply.status_changed) == (3, 1)
    added = {entry.entry.source_entry_id: event for _, event, entry in service.added()}
    assert [f.email for f in added["before"].followers] == ["zhang@example.com"]
    assert list(added["after"].followers) == []
    assert [f.email for f in added["other"].followers] == ["li@example.com"]
    assert case_row(service, added["after"].case_id).cut_off_on is not None


def test_a_stream_of_new_entries_reads_its_cases_and_followers_without_orm_objects(service):
    """A stream brings thousands of entries: its cases and followers are read as plain
    rows (building an ORM object per case and follower was a tenth of the CPU)."""
    from datetime import date

    from jes_case_sync.domain.changes import change_problems
    from jes_case_sync.grpc_messages import change_input
    from jes_case_sync.models import Follower
    from jes_case_sync.usecases.common import Infrastructure
    from jes_case_sync.usecases.ingest import Ingest

    known, new = service.case(), service.case()
    service.follow(known, "zhang@example.com")
    changes = []
    for n, case in enumerate([known, new, known]):
        valid, problems = change_problems(
            change_input(change(case, post=service.entry(f"e-{n}"))), date(2026, 11, 30)
        )
        assert valid is not None, problems
        changes.append(valid)
    ingest = Ingest(Infrastructure(service.kit.db, service.kit.outbox))
    with service.kit.db.transaction() as session:
        work = ingest.load(session, changes)
        held = [type(obj) for obj in session.identity_map.values()]
        assert Case not in held and Follower not in held
        assert len({ref.id for ref in work.cases.values()}) == 2
        for change_ in changes:
            work.results.append(ingest.apply_one(work, change_))
        [followed] = [ref for key, ref in work.cases.items() if key.number == known.number]
        assert [f.email for f in work.followers_of(followed)] == ["zhang@example.com"]


@both_ingest_rpcs
def test_a_batch_announces_each_cases_new_entries_together_in_the_order_made(service):
    """A court system's bulk push interleaves its cases: each case's new entries go in
    one event (one mail), its events leave one after the other, and a correction in
    between keeps its place (the entries after it come in an event of their own)."""
    first, second = service.case(), service.case()
    for case in (first, second):
        service.follow(case, "zhang@example.com")
    service.ingest(
        [
            change(first, post=service.entry("a-1")),
            change(second, post=service.entry("b-1")),
            change(first, post=service.entry("a-2")),
            change(second, post=service.entry("b-2")),
            change(first, correct=service.entry("a-1", item="更正後")),
            change(first, post=service.entry("a-3")),
        ]
    )
    table = service.kit.event_tables.outbox
    with service.kit.db.engine.connect() as conn:
        rows = conn.execute(select(table.c.value).order_by(table.c.created_at, table.c.id)).all()
    published = []
    for (value,) in rows:
        envelope = Envelope.FromString(value)
        if envelope.type == events.ProgressEntriesAdded.DESCRIPTOR.full_name:
            added = open_envelope(envelope, events.ProgressEntriesAdded)
            ids = [entry.entry.source_entry_id for entry in added.entries]
            published.append(("added", envelope.subject, ids))
        elif envelope.type == events.ProgressEntryCorrected.DESCRIPTOR.full_name:
            corrected = open_envelope(envelope, events.ProgressEntryCorrected)
            published.append(("corrected", envelope.subject, [corrected.entry.source_entry_id]))
    a, b = (published[0][1], published[-1][1])
    assert published == [
        ("added", a, ["a-1", "a-2"]),
        ("corrected", a, ["a-1"]),
        ("added", a, ["a-3"]),
        ("added", b, ["b-1", "b-2"]),
    ]
    assert a != b


def test_an_event_of_the_longest_entries_stays_far_below_kafkas_message_limit(service):
    """A call's new entries of one case go 50 an event: at the longest text an entry may
    have, an event (its envelope, as the outbox holds it) stays well under Kafka's 1 MB
    default message size."""
    case = service.case()
    for n in range(20):
        service.follow(case, f"follower-{n:02d}@example.com")
    longest = "言" * 2000
    service.ingest([change(case, post=service.entry(f"{n:064d}", item=longest)) for n in range(51)])
    table = service.kit.event_tables.outbox
    with service.kit.db.engine.connect() as conn:
        values = [value for (value,) in conn.execute(select(table.c.value))]
    added = events.ProgressEntriesAdded.DESCRIPTOR.full_name
    sizes = [len(value) for value in values if Envelope.FromString(value).type == added]
    assert max(sizes) < 400_000, sizes
    assert len(sizes) == 2  # 50 and 1
