"""Applications to be listed as an appraiser, one transaction each: start a draft,
upload a document (its object written before the commit and deleted again if the commit
fails, so a refused upload leaves nothing behind), hand it in, and read them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes_auth import Claims
from jes_db import Database, new_id, utcnow
from jes_domain import FailedPrecondition, InvalidArgument, NotFound
from jes_events import Outbox
from jes_grpckit import request_id_var
from jes_objectstore import ObjectStore
from jes_review_workflow.application_models import ApplicationDocumentRow, AppraiserApplicationRow
from jes_review_workflow.appraisal import common
from jes_review_workflow.appraisal.application_messages import application_message
from jes_review_workflow.domain.appraisal import access, documents
from jes_review_workflow.domain.appraisal.applications import (
    LIVE,
    ApplicationState,
    Office,
    OtherApplicant,
    StaffMember,
    check_experience,
    check_not_barred,
    check_offices_and_staff,
    missing_documents,
    office_of,
    staff_of,
)
from jes_review_workflow.domain.appraisal.court_rules import CourtRules, rules_for
from jes_review_workflow.domain.appraisal.rotation import Standing
from jes_review_workflow.models import Appraiser, audit_log
from jes_servicekit.audit import actor_of

BUCKET = "appraiser-documents"
MAX_FILES_PER_ITEM = 20
APPLICATION_NOT_FOUND = "查無此申請案"
NOT_A_DRAFT = "申請已送出，不能再變更"
ALREADY_APPLYING = "您在本院已有同類別的申請案"
STAFF_ROLES = ("records-chief", "chief-judge", "committee-member", "admin")

APPLICATION_STARTED = "appraisal.application_started"
DOCUMENT_UPLOADED = "appraisal.application_document_uploaded"
APPLICATION_SUBMITTED = "appraisal.application_submitted"
APPLICATION_NOT_CONSIDERED = "appraisal.application_not_considered"
APPLICATION_AUDIT_LABELS = {
    APPLICATION_STARTED: "填寫鑑定人申請",
    DOCUMENT_UPLOADED: "上傳鑑定人申請文件",
    APPLICATION_SUBMITTED: "送出鑑定人申請",
    APPLICATION_NOT_CONSIDERED: "鑑定人申請文件不全，不列入評選",
}


def documents_of(session: Session, application_id: str) -> list[ApplicationDocumentRow]:
    return list(
        session.scalars(
            select(ApplicationDocumentRow).where(
                ApplicationDocumentRow.application_id == application_id
            )
        )
    )


def message_of(
    session: Session,
    row: AppraiserApplicationRow,
    url_of: Callable[[ApplicationDocumentRow], str] | None = None,
) -> pb.AppraiserApplication:
    return application_message(row, documents_of(session, row.id), url_of)


def other_applicants(session: Session, court_code: str, account_id: str) -> list[OtherApplicant]:
    """The court's live applications of anyone else."""
    rows = session.scalars(
        select(AppraiserApplicationRow).where(
            AppraiserApplicationRow.court_code == court_code,
            AppraiserApplicationRow.state.in_([s.value for s in LIVE]),
            AppraiserApplicationRow.applicant_account_id != account_id,
        )
    )
    return [
        OtherApplicant(
            r.id,
            r.category,
            Office(r.office_address, r.office_phone),
            tuple(StaffMember(p["name"], p["id_number"]) for p in r.staff),
        )
        for r in rows
    ]


def one_at_a_time(session: Session, court_code: str) -> None:
    """The office rules compare an application with the court's others: two handed in at
    once must not both pass as the second office at one address."""
    common.take_turns(session, f"jes_review_workflow.appraiser_applications:{court_code}")


def barred_until(session: Session, court_code: str, account_id: str) -> date | None:
    return session.scalar(
        select(func.max(Appraiser.until)).where(
            Appraiser.court_code == court_code,
            Appraiser.account_id == account_id,
            Appraiser.standing == Standing.DISQUALIFIED.value,
        )
    )


# People are known by their login name (`Claims.display_id`): what staff type to name
# them, what the roster's account_id holds and what identity's GetAccount takes.


def own_application(
    session: Session, claims: Claims, application_id: str, *, for_update: bool = False
) -> AppraiserApplicationRow:
    query = select(AppraiserApplicationRow).where(
        AppraiserApplicationRow.id == application_id.strip()
    )
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None or row.applicant_account_id != claims.display_id:
        raise NotFound(APPLICATION_NOT_FOUND, fields={"application_id": APPLICATION_NOT_FOUND})
    return row


def _staff_may_see(claims: Claims, row: AppraiserApplicationRow) -> bool:
    return (
        claims.has_role(*STAFF_ROLES)
        and common.may_see(claims, row.court_code)
        and row.state != ApplicationState.DRAFT.value
    )


class Applications:
    def __init__(self, db: Database, outbox: Outbox, store: ObjectStore):
        self.db = db
        self.outbox = outbox
        self.store = store

    def start(
        self,
        claims: Claims,
        court_code: str,
        applicant_type: str,
        name: str,
        registration_number: str,
        business_since: str,
        office_address: str,
        office_phone: str,
        staff: Sequence[tuple[str, str]],
    ) -> pb.AppraiserApplication:
        court_code = court_code.strip().upper()
        if not court_code:
            raise InvalidArgument(access.NO_COURT, fields={"court_code": access.NO_COURT})
        day = common.today()
        rules = rules_for(court_code, day)
        kind = rules.applications.applicant_type(applicant_type.strip())
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidArgument("請填寫申請人名稱", fields={"name": "請填寫申請人名稱"})
        registration_number = registration_number.strip()
        if not registration_number or len(registration_number) > 200:
            problem = f"請填寫{kind.registration_label}"
            raise InvalidArgument(problem, fields={"registration_number": problem})
        since = common.day_of(business_since, "business_since") if business_since.strip() else None
        check_experience(kind, since, day)
        office = office_of(rules, office_address, office_phone)
        people = staff_of(staff)
        with self.db.transaction() as session:
            one_at_a_time(session, court_code)
            check_not_barred(barred_until(session, court_code, claims.display_id), day)
            self._check_not_applying(session, claims, court_code, kind.category)
            check_offices_and_staff(
                rules.applications.max_offices_per_address,
                kind.category,
                office,
                people,
                other_applicants(session, court_code, claims.display_id),
            )
            row = AppraiserApplicationRow(
                court_code=court_code,
                applicant_account_id=claims.display_id,
                applicant_type=kind.code,
                category=kind.category,
                name=name,
                registration_number=registration_number,
                business_since=since,
                office_address=office.address,
                office_phone=office.phone,
                staff=[{"name": p.name, "id_number": p.id_number} for p in people],
                state=ApplicationState.DRAFT.value,
                missing=[],
            )
            session.add(row)
            session.flush()
            audit_log.record(
                session,
                actor_of(claims),
                APPLICATION_STARTED,
                subject_type="appraiser_application",
                subject_id=row.id,
                court_code=court_code,
                after={"applicant_type": kind.code, "name": name},
            )
            return message_of(session, row)

    @staticmethod
    def _check_not_applying(
        session: Session, claims: Claims, court_code: str, category: str
    ) -> None:
        pending = {ApplicationState.DRAFT.value, *(s.value for s in LIVE)}
        pending.discard(ApplicationState.QUALIFIED.value)
        existing = session.scalar(
            select(AppraiserApplicationRow.id).where(
                AppraiserApplicationRow.court_code == court_code,
                AppraiserApplicationRow.applicant_account_id == claims.display_id,
                AppraiserApplicationRow.category == category,
                AppraiserApplicationRow.state.in_(pending),
            )
        )
        if existing:
            raise FailedPrecondition(ALREADY_APPLYING, fields={"applicant_type": ALREADY_APPLYING})

    def upload(
        self, claims: Claims, application_id: str, item: str, file_name: str, content: bytes
    ) -> pb.AppraiserApplication:
        written = ""  # the object's key once written: deleted again if the commit fails
        try:
            with self.db.transaction() as session:
                row = own_application(session, claims, application_id, for_update=True)
                if row.state != ApplicationState.DRAFT.value:
                    raise FailedPrecondition(NOT_A_DRAFT, fields={"application_id": NOT_A_DRAFT})
                rules = self._rules_of(row).applications
                required = rules.applicant_type(row.applicant_type).document(item.strip())
                # What the file is, from its bytes: before anything is written.
                content_type = documents.content_type_of(
                    content, rules.document_formats, rules.max_document_bytes
                )
                already = sum(1 for d in documents_of(session, row.id) if d.item == required.code)
                if already >= MAX_FILES_PER_ITEM:
                    problem = f"每項文件至多 {MAX_FILES_PER_ITEM} 個檔案"
                    raise FailedPrecondition(problem, fields={"item": problem})
                document_id = new_id()
                key = f"{row.court_code}/{row.id}/{document_id}"
                self.store.put(BUCKET, key, content, content_type)
                written = key
                session.add(
                    ApplicationDocumentRow(
                        id=document_id,
                        application_id=row.id,
                        item=required.code,
                        file_name=file_name.strip()[-255:],
                        content_type=content_type,
                        size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(),
                        object_key=key,
                    )
                )
                audit_log.record(
                    session,
                    actor_of(claims),
                    DOCUMENT_UPLOADED,
                    subject_type="appraiser_application",
                    subject_id=row.id,
                    court_code=row.court_code,
                    after={"item": required.code, "document_id": document_id},
                )
                session.flush()
                message = message_of(session, row, self.url_of)
        except BaseException:
            if written:
                self.store.delete(BUCKET, written)
            raise
        return message

    def submit(self, claims: Claims, application_id: str) -> pb.AppraiserApplication:
        with self.db.transaction() as session:
            row = own_application(session, claims, application_id, for_update=True)
            if row.state != ApplicationState.DRAFT.value:
                raise FailedPrecondition(NOT_A_DRAFT, fields={"application_id": NOT_A_DRAFT})
            one_at_a_time(session, row.court_code)
            rules = self._rules_of(row)
            kind = rules.applications.applicant_type(row.applicant_type)
            # Others may have handed theirs in since this draft was started.
            check_offices_and_staff(
                rules.applications.max_offices_per_address,
                row.category,
                Office(row.office_address, row.office_phone),
                tuple(StaffMember(p["name"], p["id_number"]) for p in row.staff),
                other_applicants(session, row.court_code, row.applicant_account_id),
            )
            uploaded: dict[str, int] = {}
            for d in documents_of(session, row.id):
                uploaded[d.item] = uploaded.get(d.item, 0) + 1
            missing = missing_documents(kind, uploaded)
            row.missing = missing
            row.submitted_at = utcnow()
            row.state = (
                ApplicationState.NOT_CONSIDERED if missing else ApplicationState.SUBMITTED
            ).value
            audit_log.record(
                session,
                actor_of(claims),
                APPLICATION_NOT_CONSIDERED if missing else APPLICATION_SUBMITTED,
                subject_type="appraiser_application",
                subject_id=row.id,
                court_code=row.court_code,
                after={"state": row.state, "missing": missing},
            )
            self.outbox.add(
                session,
                pb.AppraiserApplicationChanged(application=message_of(session, row)),
                subject=row.id,
                trace_id=request_id_var.get(),
            )
            return message_of(session, row, self.url_of)

    def get(self, claims: Claims, application_id: str) -> pb.AppraiserApplication:
        with self.db.transaction() as session:
            row = session.get(AppraiserApplicationRow, application_id.strip())
            if row is None or not (
                row.applicant_account_id == claims.display_id or _staff_may_see(claims, row)
            ):
                raise NotFound(
                    APPLICATION_NOT_FOUND, fields={"application_id": APPLICATION_NOT_FOUND}
                )
            return message_of(session, row, self.url_of)

    def list(self, claims: Claims, court_code: str) -> list[pb.AppraiserApplication]:
        with self.db.transaction() as session:
            if claims.has_role(*STAFF_ROLES):
                court = access.court_of(claims, court_code)
                query = select(AppraiserApplicationRow).where(
                    AppraiserApplicationRow.court_code == court,
                    AppraiserApplicationRow.state != ApplicationState.DRAFT.value,
                )
            else:
                query = select(AppraiserApplicationRow).where(
                    AppraiserApplicationRow.applicant_account_id == claims.display_id
                )
            rows = session.scalars(query.order_by(AppraiserApplicationRow.created_at))
            return [message_of(session, r, self.url_of) for r in rows]

    def url_of(self, document: ApplicationDocumentRow) -> str:
        return str(
            self.store.presigned_get(BUCKET, document.object_key, download_name=document.file_name)
        )

    @staticmethod
    def _rules_of(row: AppraiserApplicationRow) -> CourtRules:
        return rules_for(row.court_code, common.today())


def applications_disqualified(session: Session, roster_entry_id: str) -> None:
    """The application that put a now disqualified appraiser on the roster says so (and
    no longer counts against other applicants' offices and staff)."""
    for application in session.scalars(
        select(AppraiserApplicationRow).where(
            AppraiserApplicationRow.roster_entry_id == roster_entry_id
        )
    ):
        application.state = ApplicationState.DISQUALIFIED.value
