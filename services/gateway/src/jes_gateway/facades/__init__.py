"""Typed facades over the backend services: the only code that builds protobuf requests
and calls services. Each method takes plain arguments and returns the reply message; a
refused call raises `jes_gateway.problems.ServiceError`."""

from __future__ import annotations

from dataclasses import dataclass

from jes_gateway.facades.appraisal_work import AppraisalWorkFacade, ReportSubmission
from jes_gateway.facades.appraiser_applications import (
    ApplicationInput,
    AppraiserApplicationsFacade,
    CommitteeFacade,
)
from jes_gateway.facades.appraisers import AppraisersFacade, FeeInput, FeeItemInput
from jes_gateway.facades.cases import CasesFacade
from jes_gateway.facades.certificates import CertificateFacade, RegistrationCodesFacade
from jes_gateway.facades.clients import Backends
from jes_gateway.facades.identity import IdentityFacade
from jes_gateway.facades.notices import NoticesFacade
from jes_gateway.facades.photos import PhotoFields, PhotosFacade
from jes_gateway.facades.professionals import ProfessionalsFacade
from jes_gateway.facades.reviews import (
    CourtReviews,
    QueueSearch,
    ReasonInput,
    ReviewBundle,
    ReviewsFacade,
)

__all__ = [
    "ApplicationInput",
    "AppraisalWorkFacade",
    "AppraiserApplicationsFacade",
    "AppraisersFacade",
    "Backends",
    "CasesFacade",
    "CommitteeFacade",
    "CourtReviews",
    "Facades",
    "FeeInput",
    "FeeItemInput",
    "IdentityFacade",
    "NoticesFacade",
    "PhotoFields",
    "PhotosFacade",
    "ProfessionalsFacade",
    "QueueSearch",
    "ReasonInput",
    "ReportSubmission",
    "ReviewBundle",
    "ReviewsFacade",
]


@dataclass(frozen=True)
class Facades:
    """The backends the gateway calls. report-render prints photo reports through
    photo-storage and forms for the gateway (`professionals`); notification for the
    links in case-progress mails (`notices`); case-sync for readers (`cases`)."""

    identity: IdentityFacade
    photos: PhotosFacade
    reviews: ReviewsFacade
    court_reviews: CourtReviews
    certificates: CertificateFacade
    registration_codes: RegistrationCodesFacade
    professionals: ProfessionalsFacade
    appraisers: AppraisersFacade
    appraiser_applications: AppraiserApplicationsFacade
    committee: CommitteeFacade
    appraisal_work: AppraisalWorkFacade
    notices: NoticesFacade
    cases: CasesFacade

    @classmethod
    def over(cls, backends: Backends) -> Facades:
        photos = PhotosFacade(backends.photos)
        reviews = ReviewsFacade(backends.reviews)
        return cls(
            identity=IdentityFacade(backends.identity),
            photos=photos,
            reviews=reviews,
            court_reviews=CourtReviews(reviews, photos),
            certificates=CertificateFacade(backends.certificates),
            registration_codes=RegistrationCodesFacade(backends.identity),
            professionals=ProfessionalsFacade(backends.identity, backends.render),
            appraisers=AppraisersFacade(backends.appraisers, backends.render),
            appraiser_applications=AppraiserApplicationsFacade(backends.appraiser_applications),
            committee=CommitteeFacade(backends.committee),
            appraisal_work=AppraisalWorkFacade(backends.appraisal_work),
            notices=NoticesFacade(backends.notification),
            cases=CasesFacade(backends.cases),
        )
