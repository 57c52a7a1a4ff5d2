"""Private feeds (a revocable secret address per reader and case) and the cut-off sweep
(seven days before, and on the day, each announced once)."""

from __future__ import annotations

from datetime import date

import grpc
import pytest

from jes.case_sync.v1 import case_events_pb2 as events
from jes.case_sync.v1 import case_queries_pb2 as qpb
from jes.case_sync.v1 import case_sync_pb2 as pb
from jes.case_sync.v1 import cases_pb2
from jes_case_sync.identity_port import ReaderIdentity
from jes_case_sync.models import FeedToken
from jes_case_sync.usecases.common import Infrastructure
from jes_case_sync.usecases.cut_off import CutOffSweep


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


@pytest.fixture
def followed(service):
    """A case Zhang follows, with an entry and a hearing; Zhang's client."""
    case = service.case()
    service.push(case, service.entry("e-1", item="準備程序"))
    service.push(
        case,
        service.entry(
            "e-2", item="開庭通知", hearing=cases_pb2.Hearing(starts_at="2099-02-01T09:30")
        ),
    )
    request = pb.ApproveFollowRequest(case=case, email="zhang@example.com", role=1)
    follow = service.court_system().call("ApproveFollow", request)
    account = service.identity.accounts["zhang@example.com"]
    service.identity.readers[account.id] = ReaderIdentity((account.id,), "")
    return case, follow, service.person(account.id, "progress")


def resolve(service, token: str, kind=qpb.FEED_KIND_ATOM) -> qpb.CasePage:
    return service.client(None).call("ResolveFeed", qpb.ResolveFeedRequest(token=token, kind=kind))


def test_a_feed_address_shows_the_case_to_a_feed_reader_without_login(service, followed):
    _, follow, zhang = followed
    feed = zhang.call("CreateFeedToken", qpb.CreateFeedTokenRequest(case_id=follow.case_id))
    assert len(feed.token) >= 40 and feed.summary.dotted_number
    atom = resolve(service, feed.token)
    assert [e.item for e in atom.entries] == ["開庭通知", "準備程序"]
    calendar = resolve(service, feed.token, qpb.FEED_KIND_ICALENDAR)
    assert [e.hearing.starts_at for e in calendar.entries] == ["2099-02-01T09:30"]
    # the hearings' page still sums the case up with its latest entries, of every kind
    assert [e.item for e in calendar.summary.latest_entries] == ["開庭通知", "準備程序"]
    with service.kit.db.transaction() as session:
        [row] = session.query(FeedToken).all()
        assert row.token_hash != feed.token and feed.token not in row.token_hash
        assert row.last_used_at is not None


def test_a_revoked_feed_or_a_revoked_follow_ends_the_address(service, followed):
    case, follow, zhang = followed
    one = zhang.call("CreateFeedToken", qpb.CreateFeedTokenRequest(case_id=follow.case_id))
    two = zhang.call("CreateFeedToken", qpb.CreateFeedTokenRequest(case_id=follow.case_id))
    listed = zhang.call("ListMyFeedTokens", qpb.ListMyFeedTokensRequest())
    assert {f.feed_id for f in listed.feeds} == {one.feed_id, two.feed_id}
    assert all(f.token == "" for f in listed.feeds)  # the secret is shown once only
    zhang.call("RevokeFeedToken", qpb.RevokeFeedTokenRequest(feed_id=one.feed_id))
    assert rpc_error(resolve, service, one.token).code() == grpc.StatusCode.NOT_FOUND
    assert resolve(service, two.token).summary.case_id == follow.case_id
    service.court_system().call(
        "RevokeFollow", pb.RevokeFollowRequest(case=case, email="zhang@example.com")
    )
    assert rpc_error(resolve, service, two.token).code() == grpc.StatusCode.NOT_FOUND


def test_only_the_owner_revokes_and_only_a_reader_creates(service, followed):
    _, follow, zhang = followed
    feed = zhang.call("CreateFeedToken", qpb.CreateFeedTokenRequest(case_id=follow.case_id))
    stranger = service.person("stranger", "progress")
    error = rpc_error(
        stranger.call, "RevokeFeedToken", qpb.RevokeFeedTokenRequest(feed_id=feed.feed_id)
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = rpc_error(
        stranger.call, "CreateFeedToken", qpb.CreateFeedTokenRequest(case_id=follow.case_id)
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert resolve(service, feed.token).summary.case_id == follow.case_id


def test_an_unknown_token_is_not_found(service):
    assert rpc_error(resolve, service, "no-such-token").code() == grpc.StatusCode.NOT_FOUND


def test_five_feeds_per_case_at_most(service, followed):
    _, follow, zhang = followed
    for _ in range(5):
        zhang.call("CreateFeedToken", qpb.CreateFeedTokenRequest(case_id=follow.case_id))
    error = rpc_error(
        zhang.call, "CreateFeedToken", qpb.CreateFeedTokenRequest(case_id=follow.case_id)
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


# -- the cut-off sweep ----------------------------------------------------------------------


def sweep_on(service, today: date) -> int:
    infra = Infrastructure(service.kit.db, service.kit.outbox, today=lambda: today)
    return CutOffSweep(infra).run()


def test_the_warning_and_the_end_are_announced_once_each(service, followed):
    case, follow, _ = followed
    service.apply(
        pb.CaseChange(
            case=case,
            status=pb.StatusChange(
                status=cases_pb2.CASE_STATUS_EXECUTION, effective_on="2026-11-10"
            ),
        )
    )  # cut off on 2027-01-11, warned on 2027-01-04
    assert sweep_on(service, date(2027, 1, 3)) == 0
    assert sweep_on(service, date(2027, 1, 4)) == 1
    assert sweep_on(service, date(2027, 1, 5)) == 0
    [(_, warning)] = service.events(events.CaseCutOffApproaching)
    assert (warning.cut_off_on, [f.email for f in warning.followers]) == (
        "2027-01-11",
        ["zhang@example.com"],
    )
    assert warning.status == cases_pb2.CASE_STATUS_EXECUTION
    assert sweep_on(service, date(2027, 1, 11)) == 1
    assert sweep_on(service, date(2027, 1, 12)) == 0
    [(_, reached)] = service.events(events.CaseCutOffReached)
    assert list(reached.follow_ids) == [follow.follow_id]


def test_a_restarted_clock_is_announced_again(service, followed):
    case, _, _ = followed
    for effective_on in ("2026-11-10", "2026-11-20"):
        service.apply(
            pb.CaseChange(
                case=case,
                status=pb.StatusChange(
                    status=cases_pb2.CASE_STATUS_APPEALED, effective_on=effective_on
                ),
            )
        )
        if effective_on == "2026-11-10":
            assert sweep_on(service, date(2027, 1, 5)) == 1
    assert sweep_on(service, date(2027, 1, 14)) == 1  # the new clock: 2027-01-21
    warnings = [e.cut_off_on for _, e in service.events(events.CaseCutOffApproaching)]
    assert warnings == ["2027-01-11", "2027-01-21"]


def test_a_clock_started_late_is_warned_and_ended_at_the_next_sweep(service, followed):
    case, _, _ = followed
    service.apply(
        pb.CaseChange(
            case=case,
            status=pb.StatusChange(
                status=cases_pb2.CASE_STATUS_ARCHIVED, effective_on="2026-09-01"
            ),
        )
    )  # cut off 2026-11-02: already past on 2026-11-30
    assert sweep_on(service, date(2026, 11, 30)) == 1
    assert service.events(events.CaseCutOffApproaching) == []
    assert len(service.events(events.CaseCutOffReached)) == 1


def test_a_change_back_from_appeal_stops_the_clock_once(service, followed):
    case, _, reader = followed

    def status(value, effective_on: str) -> None:
        service.apply(
            pb.CaseChange(
                case=case, status=pb.StatusChange(status=value, effective_on=effective_on)
            )
        )

    status(cases_pb2.CASE_STATUS_APPEALED, "2026-09-01")  # cut off on 2026-11-02: past
    assert sweep_on(service, date(2026, 11, 30)) == 1
    [(_, appealed)] = service.events(events.CaseStatusChanged)
    rpc_error(reader.call, "GetCase", qpb.GetCaseRequest(case_id=appealed.case_id))  # cut off
    status(cases_pb2.CASE_STATUS_PENDING, "2026-11-25")  # back from appeal (a remand)
    status(cases_pb2.CASE_STATUS_PENDING, "2026-11-25")  # re-sent: no second event
    started, stopped = [e for _, e in service.events(events.CaseStatusChanged)]
    assert (started.previous_cut_off_on, started.cut_off_on) == ("", "2026-11-02")
    assert (stopped.previous_cut_off_on, stopped.cut_off_on) == ("2026-11-02", "")
    assert stopped.previous_status == cases_pb2.CASE_STATUS_APPEALED
    assert [f.email for f in stopped.followers] == ["zhang@example.com"]
    # queryable again, and the sweep has nothing more to announce for it
    page = reader.call("GetCase", qpb.GetCaseRequest(case_id=stopped.case_id))
    assert page.summary.cut_off.cut_off_on == ""
    assert sweep_on(service, date(2027, 3, 1)) == 0
    # closing the case stops no clock (none runs): the event says so
    status(cases_pb2.CASE_STATUS_CLOSED, "2026-11-28")
    closed = [e for _, e in service.events(events.CaseStatusChanged)][-1]
    assert (closed.previous_cut_off_on, closed.cut_off_on) == ("", "")
