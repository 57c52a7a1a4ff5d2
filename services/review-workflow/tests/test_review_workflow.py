"""Review-workflow alone: prints become submissions, the court lists and reads its own,
decisions are validated and scoped before anything is carried out, the audit log is
listed per court."""

from __future__ import annotations

import json

import grpc
import pytest

from jes.review_workflow.v1 import review_workflow_pb2 as pb
from jes_db.audit import Actor
from jes_events import dead_letter_topic
from jes_grpckit import field_violations
from jes_review_workflow.handlers import PhotoSetSubmittedHandler
from jes_review_workflow.models import Submission, audit_log
from jes_servicekit import topic_of


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def dead_letters(service) -> list:
    probe = service.kit.bus.consumer("probe", [dead_letter_topic(topic_of("photo-storage"))])
    try:
        return probe.poll(0.1, 100)
    finally:
        probe.close()


def set_state(service, submission_id: str, state: str) -> None:
    """Arrange a submission already decided (deciding goes through photo-storage, which
    test_decisions.py covers)."""
    with service.kit.db.transaction() as session:
        session.get(Submission, submission_id).state = state


# -- PhotoSetSubmitted ----------------------------------------------------------------------


def test_submitted_photo_set_becomes_a_pending_submission(service):
    envelope = service.submitted(number=999, trace_id="trace-1")
    with service.kit.db.transaction() as session:
        PhotoSetSubmittedHandler(service.kit.outbox)(session, envelope)

    [submission] = service.submissions()
    assert submission.state == "pending"
    assert submission.case_number == "107年度司執字第999號"
    assert submission.court_code == "TPD"
    assert submission.photo_set_id == envelope.subject
    assert (submission.division, submission.batch) == ("甲", 2)
    assert submission.firm_account_id == "TPDF001"
    assert submission.firm_name == "大華不動產估價師事務所"
    assert submission.firm_email == "dahua@example.com"
    assert (submission.set_version, submission.pages) == (2, 3)
    assert submission.previous_rejected_fingerprint == ""

    [(out, event)] = service.events(pb.ReviewRequested)
    assert out.subject == submission.id
    assert out.source == "review-workflow"
    assert out.trace_id == "trace-1"
    assert event.firm_name == "大華不動產估價師事務所"
    assert event.submission.id == submission.id
    assert event.submission.state == "pending"
    assert event.submission.case_number == "107年度司執字第999號"
    assert event.submission.court_code == "TPD"
    assert event.submission.photo_set_id == envelope.subject
    assert event.submission.report_id == submission.report_id
    assert event.submission.fingerprint == submission.fingerprint
    assert event.submission.firm_email == "dahua@example.com"
    assert event.submission.batch == 2
    assert event.submission.submitted_at.seconds > 0


def test_events_from_the_bus_are_handled_by_the_built_service(service):
    first, second = service.submitted(), service.submitted(court_code="KLD")
    service.publish(first, second)
    assert service.consume() == 2
    assert [s.court_code for s in service.submissions()] == ["TPD", "KLD"]
    assert len(service.events(pb.ReviewRequested)) == 2


def test_the_same_event_delivered_twice_is_one_submission(service):
    envelope = service.submitted()
    service.publish(envelope, envelope)
    service.consume()
    assert len(service.submissions()) == 1
    assert len(service.events(pb.ReviewRequested)) == 1


def test_reprinting_an_unchanged_set_adds_no_second_submission(service):
    """Two prints of one version share a fingerprint; the second is not a new review."""
    photo_set_id = "set-1"
    first = service.submitted(photo_set_id=photo_set_id, fingerprint="f" * 64, number=5)
    again = service.submitted(photo_set_id=photo_set_id, fingerprint="f" * 64, number=5)
    service.publish(first, again)
    service.consume()
    assert len(service.submissions()) == 1
    assert len(service.events(pb.ReviewRequested)) == 1
    assert dead_letters(service) == []


def test_a_new_print_of_the_set_withdraws_its_older_pending_submission(service):
    first = service.submitted(photo_set_id="set-1", fingerprint="a" * 64, number=5)
    changed = service.submitted(photo_set_id="set-1", fingerprint="b" * 64, number=5)
    other_set = service.submitted(photo_set_id="set-2", fingerprint="c" * 64, number=6)
    service.publish(first, other_set, changed)
    service.consume()
    states = {s.fingerprint: s.state for s in service.submissions()}
    assert states == {"a" * 64: "withdrawn", "b" * 64: "pending", "c" * 64: "pending"}


def test_a_reprint_after_rejection_names_the_rejected_print(service):
    service.publish(service.submitted(photo_set_id="set-1", fingerprint="a" * 64, number=5))
    service.consume()
    [rejected] = service.submissions()
    set_state(service, rejected.id, "rejected")

    service.publish(service.submitted(photo_set_id="set-1", fingerprint="b" * 64, number=5))
    service.consume()
    reprint = service.submissions()[-1]
    assert reprint.state == "pending"
    assert reprint.previous_rejected_fingerprint == "a" * 64
    assert service.submission(rejected.id).state == "rejected"  # the decision stays


def test_an_unchanged_rejected_set_printed_again_is_submitted_again(service):
    """Seed 000 (三): printing a rejected set resubmits it, even without changes."""
    service.publish(service.submitted(photo_set_id="set-1", fingerprint="a" * 64, number=5))
    service.consume()
    [rejected] = service.submissions()
    set_state(service, rejected.id, "rejected")

    service.publish(service.submitted(photo_set_id="set-1", fingerprint="a" * 64, number=5))
    service.consume()
    first, second = service.submissions()
    assert (first.state, second.state) == ("rejected", "pending")
    assert second.previous_rejected_fingerprint == "a" * 64


# -- PhotoSetChangedAfterPrint --------------------------------------------------------------


def test_a_change_after_printing_withdraws_the_pending_submission(service):
    service.publish(service.submitted(photo_set_id="set-1", fingerprint="a" * 64))
    service.consume()
    change = service.changed_after_print("set-1", "a" * 64)
    service.publish(change, change)  # delivered twice: still one change
    assert service.consume() == 2
    [submission] = service.submissions()
    assert submission.state == "withdrawn"
    assert dead_letters(service) == []


def test_a_change_after_printing_leaves_decided_and_other_prints_alone(service):
    service.publish(
        service.submitted(photo_set_id="set-1", fingerprint="a" * 64),
        service.submitted(photo_set_id="set-2", fingerprint="b" * 64),
    )
    service.consume()
    first, _ = service.submissions()
    set_state(service, first.id, "approved")
    service.publish(
        service.changed_after_print("set-1", "a" * 64),
        service.changed_after_print("set-2", "x" * 64),  # an older print of set-2
    )
    service.consume()
    assert [s.state for s in service.submissions()] == ["approved", "pending"]


def test_a_withdrawal_is_in_the_audit_log(service):
    """The court's log shows why a submission left the queue without a decision."""
    service.publish(service.submitted(photo_set_id="set-1", fingerprint="a" * 64))
    service.consume()
    [submission] = service.submissions()
    change = service.changed_after_print("set-1", "a" * 64)
    service.publish(change, change)
    service.consume()
    [entry] = service.audit()
    assert (entry.action, entry.subject_type, entry.subject_id, entry.court_code) == (
        "submission.withdrawn",
        "submission",
        submission.id,
        "TPD",
    )
    assert entry.actor_role == "service"
    assert json.loads(entry.before_json)["state"] == "pending"
    after = json.loads(entry.after_json)
    assert (after["state"], after["withdrawn_because"]) == ("withdrawn", "changed_after_print")
    listed = service.clerk("TPD").call(
        "ListAuditEntries", pb.ListAuditEntriesRequest(subject_id=submission.id)
    )
    assert [e.action_label for e in listed.entries] == ["撤回送審"]


def test_a_withdrawal_by_a_new_print_is_in_the_audit_log(service):
    service.publish(service.submitted(photo_set_id="set-1", fingerprint="a" * 64))
    service.consume()
    service.publish(service.submitted(photo_set_id="set-1", fingerprint="b" * 64))
    service.consume()
    older, _ = service.submissions()
    [entry] = service.audit()
    assert (entry.action, entry.subject_id) == ("submission.withdrawn", older.id)
    assert json.loads(entry.after_json)["withdrawn_because"] == "printed_again"


# -- ListSubmissions, GetSubmission ---------------------------------------------------------


@pytest.fixture
def three_submissions(service):
    service.publish(
        service.submitted(court_code="TPD", number=1),
        service.submitted(court_code="KLD", number=2),
        service.submitted(court_code="TPD", number=3),
    )
    service.consume()
    return service


def listed(client, court_code: str = "", state: str = "", **paging) -> list[str]:
    reply = client.call(
        "ListSubmissions", pb.ListSubmissionsRequest(court_code=court_code, state=state, **paging)
    )
    return [s.case_number for s in reply.submissions]


def test_clerk_lists_own_courts_submissions_newest_first(three_submissions):
    service = three_submissions
    assert listed(service.clerk("TPD"), "TPD") == ["107年度司執字第3號", "107年度司執字第1號"]
    assert listed(service.clerk("TPD")) == ["107年度司執字第3號", "107年度司執字第1號"]
    assert listed(service.clerk("KLD")) == ["107年度司執字第2號"]


def test_clerk_of_tpd_cannot_list_kld(three_submissions):
    error = rpc_error(listed, three_submissions.clerk("TPD"), "KLD")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    # issue 13: the clerk reads why, in zh-TW (no "not in this court's scope")
    assert error.details() == "權限不足：只能查看或處理所屬法院的資料"


def test_state_filter(three_submissions):
    service = three_submissions
    [first_tpd] = [s for s in service.submissions() if s.case_number.endswith("第1號")]
    set_state(service, first_tpd.id, "approved")
    assert listed(service.clerk("TPD"), state="pending") == ["107年度司執字第3號"]
    assert listed(service.clerk("TPD"), state="approved") == ["107年度司執字第1號"]
    assert listed(service.clerk("TPD"), state="rejected") == []
    error = rpc_error(listed, service.clerk("TPD"), state="lost")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {"state": "無此審核狀態"}


def test_pages_count_the_whole_list(service):
    service.publish(*[service.submitted(number=n) for n in range(1, 6)])
    service.consume()
    clerk = service.clerk("TPD")
    reply = clerk.call("ListSubmissions", pb.ListSubmissionsRequest(page=2, page_size=2))
    assert (reply.total, reply.page, reply.page_count) == (5, 2, 3)
    assert [s.case_number for s in reply.submissions] == [
        "107年度司執字第3號",
        "107年度司執字第2號",
    ]
    last = clerk.call("ListSubmissions", pb.ListSubmissionsRequest(page=3, page_size=2))
    assert [s.case_number for s in last.submissions] == ["107年度司執字第1號"]
    default = clerk.call("ListSubmissions", pb.ListSubmissionsRequest())
    assert (default.total, default.page, default.page_count) == (5, 1, 1)
    empty = service.clerk("KLD").call("ListSubmissions", pb.ListSubmissionsRequest())
    assert (empty.total, empty.page, empty.page_count) == (0, 1, 1)


def test_admin_lists_any_court_and_no_module_lists_on_its_own(three_submissions):
    service = three_submissions
    assert listed(service.admin(), "KLD") == ["107年度司執字第2號"]
    assert len(listed(service.admin())) == 3  # "" = every court
    for module in ("photo-storage", "notification", "identity"):
        alone = service.client(None, caller=module)
        assert rpc_error(listed, alone, "TPD").code() == grpc.StatusCode.PERMISSION_DENIED


def test_firms_cannot_list_submissions(three_submissions):
    service = three_submissions
    firm = service.client(service.issuer.issue("f", roles=["firm"], court_code="TPD"))
    assert rpc_error(listed, firm, "TPD").code() == grpc.StatusCode.PERMISSION_DENIED


def test_listing_needs_a_token(three_submissions):
    error = rpc_error(listed, three_submissions.client(None), "TPD")
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


def test_get_submission_within_the_court(three_submissions):
    service = three_submissions
    kld = next(s for s in service.submissions() if s.court_code == "KLD")
    request = pb.GetSubmissionRequest(submission_id=kld.id)
    got = service.clerk("KLD").call("GetSubmission", request)
    assert (got.id, got.case_number, got.firm_email) == (
        kld.id,
        "107年度司執字第2號",
        "dahua@example.com",
    )
    assert service.admin().call("GetSubmission", request).id == kld.id

    error = rpc_error(service.clerk("TPD").call, "GetSubmission", request)
    assert error.code() == grpc.StatusCode.NOT_FOUND  # another court's: as if it did not exist
    assert error.details() == "查無此審核案件"
    missing = pb.GetSubmissionRequest(submission_id="nope")
    error = rpc_error(service.clerk("KLD").call, "GetSubmission", missing)
    assert error.code() == grpc.StatusCode.NOT_FOUND


# -- DecideSubmission: refused before anything is carried out -------------------------------


def decide(client, submission_id: str, approve: bool = False, reasons=(), note: str = ""):
    return client.call(
        "DecideSubmission",
        pb.DecideSubmissionRequest(
            submission_id=submission_id, approve=approve, reasons=list(reasons), note=note
        ),
    )


def reason(photo_id: str = "p-1", sequence: int = 1, code: str = "blurry", text: str = ""):
    return pb.PhotoReason(photo_id=photo_id, sequence=sequence, reason_code=code, text=text)


@pytest.fixture
def pending(service) -> Submission:
    service.publish(service.submitted(court_code="TPD"))
    service.consume()
    [submission] = service.submissions()
    return submission


def test_clerk_of_another_court_cannot_decide(service, pending):
    error = rpc_error(decide, service.clerk("KLD"), pending.id, approve=True)
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert service.submission(pending.id).state == "pending"


def test_only_people_of_the_court_decide(service, pending):
    firm = service.client(service.issuer.issue("f", roles=["firm"], court_code="TPD"))
    photo_storage = service.client(None, caller="photo-storage")
    for caller in (firm, photo_storage):
        error = rpc_error(decide, caller, pending.id, approve=True)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert service.submission(pending.id).state == "pending"


@pytest.mark.parametrize("state", ["deciding", "approved", "rejected", "withdrawn", "not_applied"])
def test_only_pending_submissions_are_decided(service, pending, state):
    set_state(service, pending.id, state)
    error = rpc_error(decide, service.clerk("TPD"), pending.id, approve=True)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error.details() == "此案件已審核或已撤回"


def test_rejection_needs_a_reason(service, pending):
    error = rpc_error(decide, service.clerk("TPD"), pending.id, approve=False)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {"reasons": "退回時請至少為一張照片選擇理由"}


def test_each_reason_is_checked_per_field(service, pending):
    error = rpc_error(
        decide,
        service.clerk("TPD"),
        pending.id,
        reasons=[
            reason("p-1", 1, "blurry"),
            reason("p-2", 2, "not-a-reason"),
            reason("p-3", 3, "other", text="  "),
            reason("", 0, "dark"),
            reason("p-1", 1, "dark"),
            reason("p-6", 6, "other", text="字" * 201),
        ],
        note="備" * 501,
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {
        "reasons[1].reason_code": "請選擇退回理由",
        "reasons[2].text": "選擇「其他」時請填寫理由",
        "reasons[3].photo_id": "請指定照片",
        "reasons[3].sequence": "請指定照片序號",
        "reasons[4].photo_id": "同一張照片只能選一個理由，其他說明請寫在補充文字",
        "reasons[5].text": "補充文字不可超過 200 字",
        "note": "整體說明不可超過 500 字",
    }
    assert service.submission(pending.id).state == "pending"


def test_approval_carries_no_reasons(service, pending):
    error = rpc_error(decide, service.clerk("TPD"), pending.id, approve=True, reasons=[reason()])
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {"reasons": "審核通過時不需填寫退回理由"}


def test_decision_on_an_unknown_submission(service):
    error = rpc_error(decide, service.clerk("TPD"), "nope", approve=True)
    assert error.code() == grpc.StatusCode.NOT_FOUND


# -- ListRejectionReasons -------------------------------------------------------------------


def test_rejection_reasons_for_court_staff(service):
    reply = service.clerk("KLD").call("ListRejectionReasons", pb.ListRejectionReasonsRequest())
    reasons = {r.code: r.label for r in reply.reasons}
    assert reasons["blurry"] == "照片模糊不清"
    assert reasons["dark"] == "光線不足"
    assert reasons["wrong_property"] == "非拍賣標的物"
    assert reasons["missing_view"] == "未拍攝應拍攝之部位（內部、正面、背面、兩側或臨路）"
    assert reasons["addons_unclear"] == "未能顯示有無增建"
    assert reasons["personal_data"] == "含有個人資料或隱私內容"
    assert reasons["duplicate"] == "照片重複"
    assert reasons["caption_mismatch"] == "說明與照片內容不符"
    assert reply.reasons[-1] == pb.RejectionReason(code="other", label="其他")

    firm = service.client(service.issuer.issue("f", roles=["firm"], court_code="TPD"))
    error = rpc_error(firm.call, "ListRejectionReasons", pb.ListRejectionReasonsRequest())
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


# -- DecideFirmApplication: refused before identity is asked --------------------------------


def test_refusing_an_application_needs_a_reason(service):
    request = pb.DecideFirmApplicationRequest(application_id="app-1", approve=False, reason=" ")
    error = rpc_error(service.clerk("TPD").call, "DecideFirmApplication", request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error) == {"reason": "不予開通時請填寫理由"}


def test_firms_cannot_decide_applications(service):
    firm = service.client(service.issuer.issue("f", roles=["firm"], court_code="TPD"))
    request = pb.DecideFirmApplicationRequest(application_id="app-1", approve=True)
    error = rpc_error(firm.call, "DecideFirmApplication", request)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


# -- ListAuditEntries -----------------------------------------------------------------------


def logged(service, court_code: str, subject_id: str, action: str) -> None:
    with service.kit.db.transaction() as session:
        audit_log.record(
            session,
            Actor("CLERK", "clerk"),
            action,
            subject_type="submission",
            subject_id=subject_id,
            court_code=court_code,
            before={"state": "pending"},
            after={"state": "approved"},
        )


def audit_listed(client, **request) -> tuple[list[str], int]:
    reply = client.call("ListAuditEntries", pb.ListAuditEntriesRequest(**request))
    return [e.subject_id for e in reply.entries], reply.total


def test_audit_entries_of_the_own_court_newest_first(service):
    logged(service, "TPD", "s-1", "submission.approved")
    logged(service, "KLD", "s-2", "submission.rejected")
    logged(service, "TPD", "s-3", "submission.rejected")
    logged(service, "TPD", "s-1", "submission.approved")

    assert audit_listed(service.clerk("TPD")) == (["s-1", "s-3", "s-1"], 3)
    assert audit_listed(service.clerk("TPD"), subject_id="s-1") == (["s-1", "s-1"], 2)
    assert audit_listed(service.clerk("TPD"), page=2, page_size=2) == (["s-1"], 3)
    assert audit_listed(service.clerk("KLD"), court_code="KLD") == (["s-2"], 1)
    assert audit_listed(service.admin(), court_code="KLD") == (["s-2"], 1)
    assert audit_listed(service.admin())[1] == 4

    reply = service.clerk("TPD").call("ListAuditEntries", pb.ListAuditEntriesRequest(page_size=1))
    [entry] = reply.entries
    assert (entry.actor_account_id, entry.actor_role, entry.action) == (
        "CLERK",
        "clerk",
        "submission.approved",
    )
    assert (entry.subject_type, entry.court_code) == ("submission", "TPD")
    assert entry.before_json == '{"state": "pending"}'
    assert entry.after_json == '{"state": "approved"}'
    assert entry.at.seconds > 0


def test_clerk_cannot_read_another_courts_audit_log(service):
    error = rpc_error(audit_listed, service.clerk("TPD"), court_code="KLD")
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    firm = service.client(service.issuer.issue("f", roles=["firm"], court_code="TPD"))
    assert rpc_error(audit_listed, firm).code() == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize("word", ["ABC", "司執司執司執司", "年度司執字第"])
def test_a_print_with_a_case_number_no_service_accepts_is_dead_lettered_with_the_reason(
    service, word
):
    """The one case-number rule (jes_zhtw): such a print cannot become a submission; its
    dead letter says why, and the prints after it are still handled."""
    service.consumer.retry_backoff = 0.01  # the retries cannot help; do not wait for them
    bad = service.submitted(photo_set_id="bad-set", word=word, number=7)
    good = service.submitted(photo_set_id="good-set", number=8)
    service.publish(bad, good)
    service.consume()

    assert [s.photo_set_id for s in service.submissions()] == ["good-set"]
    [letter] = dead_letters(service)
    error = letter.headers["jes-dlq-error"]
    assert error.startswith("InvalidArgument: 照片集 bad-set 的案號不符合案號規則")
    assert "案號字別錯誤" in error


# -- the queue's search, filters and sort (issue 13 finding 3) ------------------------------


@pytest.fixture
def queue(service):
    """Three pending TPD submissions, oldest first: 12345 甲 大華, 12346 乙 海港, 2345 甲 海港."""
    for number, division, firm in (
        (12345, "甲", "大華估價"),
        (12346, "乙", "海港估價"),
        (2345, "甲", "海港估價"),
    ):
        service.publish(
            service.submitted(
                year=114,
                number=number,
                division=division,
                firm_name=firm,
                firm_account_id=f"F-{firm}",
            )
        )
        service.consume()
    return service


def searched(client, **filters) -> list[str]:
    reply = client.call("ListSubmissions", pb.ListSubmissionsRequest(**filters))
    return [s.case_number for s in reply.submissions]


def test_the_queue_is_searched_by_case_number_as_people_type_it(queue):
    clerk = queue.clerk("TPD")
    assert searched(clerk, case_number="12345") == ["114年度司執字第12345號"]
    assert searched(clerk, case_number="114.司執.12345") == ["114年度司執字第12345號"]
    assert searched(clerk, case_number="114年度司執字第12345號") == ["114年度司執字第12345號"]
    assert searched(clerk, case_number="１２３４５") == ["114年度司執字第12345號"]
    assert searched(clerk, case_number="99999") == []


def test_the_queue_is_filtered_by_division_and_firm(queue):
    clerk = queue.clerk("TPD")
    assert searched(clerk, division="乙") == ["114年度司執字第12346號"]
    assert searched(clerk, firm="海港") == ["114年度司執字第2345號", "114年度司執字第12346號"]
    assert searched(clerk, firm="海港", division="甲") == ["114年度司執字第2345號"]


def test_the_queue_sorts_by_waiting_time(queue):
    clerk = queue.clerk("TPD")
    newest_first = searched(clerk)
    assert searched(clerk, sort="waiting") == list(reversed(newest_first))
    assert newest_first[0] == "114年度司執字第2345號"


def test_an_unknown_sort_is_refused_in_zh_tw(queue):
    error = rpc_error(searched, queue.clerk("TPD"), sort="random")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "排序" in field_violations(error)["sort"]


def test_a_sets_rejected_submissions_are_listed_with_their_reasons(queue):
    """So the clerk's re-review can show the earlier reason beside its photo."""
    clerk = queue.clerk("TPD")
    first = clerk.call("ListSubmissions", pb.ListSubmissionsRequest()).submissions[0]
    listed_for_set = clerk.call(
        "ListSubmissions", pb.ListSubmissionsRequest(photo_set_id=first.photo_set_id)
    ).submissions
    assert [s.id for s in listed_for_set] == [first.id]
