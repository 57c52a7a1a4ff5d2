"""Typed facades over the backend services: the only code that builds protobuf requests
and calls services. Each method takes plain arguments and returns the reply message; a
refused call raises `jes_gateway.problems.ServiceError`."""

from __future__ import annotations

from dataclasses import dataclass

from jes_gateway.facades.certificates import CertificateFacade, RegistrationCodesFacade
from jes_gateway.facades.clients import Backends
from jes_gateway.facades.identity import IdentityFacade
from jes_gateway.facades.photos import PhotoFields, PhotosFacade
from jes_gateway.facades.reviews import (
    CourtReviews,
    QueueSearch,
    ReasonInput,
    ReviewBundle,
    ReviewsFacade,
)

__all__ = [
    "Backends",
    "CourtReviews",
    "Facades",
    "IdentityFacade",
    "PhotoFields",
    "PhotosFacade",
    "QueueSearch",
    "ReasonInput",
    "ReviewBundle",
    "ReviewsFacade",
]


@dataclass(frozen=True)
class Facades:
    """The backends the gateway calls. report-render is reached only through
    photo-storage; case-sync and notification (admins' reads) have no facade yet."""

    identity: IdentityFacade
    photos: PhotosFacade
    reviews: ReviewsFacade
    court_reviews: CourtReviews
    certificates: CertificateFacade
    registration_codes: RegistrationCodesFacade

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
        )
