"""A court's rules for applications and its qualification committee, as data (the
`applications` and `committee` keys of the court's rules file, points 2 to 4): the
applicant types with each one's documents, where an office may be, how many offices one
address may hold, the documents' formats, and the committee's size and term."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jes_domain import InvalidArgument

UNKNOWN_TYPE = "請選擇申請類別（公司行號、不動產估價師或建築師）"


@dataclass(frozen=True)
class RequiredDocument:
    code: str
    label: str
    min_files: int = 1


@dataclass(frozen=True)
class ApplicantType:
    code: str
    label: str
    category: str  # a rotation.Category value: the roster the qualified applicant joins
    min_experience_years: int
    registration_label: str
    documents: tuple[RequiredDocument, ...]

    def document(self, code: str) -> RequiredDocument:
        for document in self.documents:
            if document.code == code:
                return document
        problem = f"{self.label}申請無此項文件"
        raise InvalidArgument(problem, fields={"item": problem})


@dataclass(frozen=True)
class ApplicationRules:
    max_offices_per_address: int
    document_formats: tuple[str, ...]
    max_document_bytes: int
    applicant_types: tuple[ApplicantType, ...]

    def applicant_type(self, code: str) -> ApplicantType:
        for kind in self.applicant_types:
            if kind.code == code:
                return kind
        raise InvalidArgument(UNKNOWN_TYPE, fields={"applicant_type": UNKNOWN_TYPE})


@dataclass(frozen=True)
class CommitteeRules:
    min_members: int
    max_members: int
    term_months: int


def parse_applications(raw: dict[str, Any]) -> ApplicationRules:
    return ApplicationRules(
        max_offices_per_address=int(raw["max_offices_per_address"]),
        document_formats=tuple(raw["document_formats"]),
        max_document_bytes=int(raw["max_document_bytes"]),
        applicant_types=tuple(
            ApplicantType(
                code=t["code"],
                label=t["label"],
                category=t["category"],
                min_experience_years=int(t["min_experience_years"]),
                registration_label=t["registration_label"],
                documents=tuple(
                    RequiredDocument(d["code"], d["label"], int(d.get("min_files", 1)))
                    for d in t["documents"]
                ),
            )
            for t in raw["applicant_types"]
        ),
    )


def parse_committee(raw: dict[str, Any]) -> CommitteeRules:
    return CommitteeRules(
        min_members=int(raw["min_members"]),
        max_members=int(raw["max_members"]),
        term_months=int(raw["term_months"]),
    )
