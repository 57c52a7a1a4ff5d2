"""Applicants and their documents for the appraiser application and committee tests."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from itertools import count

import grpc
import pytest
from pypdf import PdfWriter

from jes.review_workflow.v1 import appraiser_applications_pb2 as pb
from jes.review_workflow.v1 import appraiser_applications_pb2_grpc as pb_grpc
from jes_grpckit import Client
from jes_zhtw.ids import is_valid_national_id
from support import callers
from support.images import jpeg

from .conftest import ReviewService

# The seed's documents per type (point 3), in the rules' order.
FIRM_ITEMS = [
    "application",
    "business_registration",
    "office_proof",
    "experience",
    "staff_roster",
    "bank_transfer",
]
LICENSED_ITEMS = [
    "application",
    "certificate",
    "practice_licence",
    "association_membership",
    "experience",
    "bank_transfer",
]
_serial = count(1)


def pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)  # A4 in points
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def national_id(letter: str = "A", sex: str = "1") -> str:
    """A fresh valid 身分證統一編號 (the last digit is the checksum)."""
    body = f"{letter}{sex}{next(_serial):07d}"
    return next(body + str(d) for d in range(10) if is_valid_national_id(body + str(d)))


def years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


def applicant(service: ReviewService, account_id: str, role: str = "firm") -> Client:
    token = service.issuer.issue(account_id, roles=[role], court_code="")
    return callers.client(
        service.pki, service.addr, pb_grpc.AppraiserApplicationServiceStub, token=token
    )


def staff_member(service: ReviewService, role: str, court: str = "KLD") -> Client:
    token = service.issuer.issue(f"{court}-{role}", roles=[role], court_code=court)
    return callers.client(
        service.pki, service.addr, pb_grpc.AppraiserApplicationServiceStub, token=token
    )


def refused(call, *args, **kwargs) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


def start(
    client: Client,
    *,
    applicant_type: str = "firm",
    court: str = "KLD",
    name: str = "基隆鑑定股份有限公司",
    address: str = "基隆市仁愛區愛一路1號",
    phone: str = "02-2423-0001",
    staff: list[tuple[str, str]] | None = None,
    business_since: str = "2015-01-05",
) -> pb.AppraiserApplication:
    people = staff if staff is not None else [("王大明", national_id())]
    return client.stub.StartAppraiserApplication(
        pb.StartAppraiserApplicationRequest(
            court_code=court,
            applicant_type=applicant_type,
            name=name,
            registration_number="12345675",
            business_since=business_since if applicant_type == "firm" else "",
            office=pb.ApplicationOffice(address=address, phone=phone),
            staff=[pb.ApplicationStaff(name=n, id_number=i) for n, i in people],
        )
    )


def upload(
    client: Client, application_id: str, item: str, content: bytes, name: str = "a.pdf"
) -> pb.AppraiserApplication:
    return client.stub.UploadApplicationDocument(
        pb.UploadApplicationDocumentRequest(
            application_id=application_id, item=item, file_name=name, content=content
        )
    )


def complete_documents(
    client: Client, application_id: str, items: list[str], reports: int = 5
) -> pb.AppraiserApplication:
    """Each item once, the experience proof as `reports` files (PDFs and a scan)."""
    reply = pb.AppraiserApplication()
    for item in items:
        for n in range(reports if item == "experience" else 1):
            content = jpeg(200, 280) if n == 1 else pdf()
            reply = upload(client, application_id, item, content, f"{item}-{n}")
    return reply


def complete_application(client: Client, **fields: object) -> pb.AppraiserApplication:
    started = start(client, **fields)  # type: ignore[arg-type]
    items = FIRM_ITEMS if started.applicant_type == "firm" else LICENSED_ITEMS
    complete_documents(client, started.id, items)
    return client.stub.SubmitAppraiserApplication(
        pb.SubmitAppraiserApplicationRequest(application_id=started.id)
    )


def objects_in(root: object) -> list[str]:
    from pathlib import Path

    folder = Path(str(root)) / "appraiser-documents"
    return sorted(str(p) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def addresses() -> Iterator[str]:
    for n in count(100):
        yield f"基隆市中正區中正路{n}號"
