"""Kept so existing imports (`from jes_identity.servicer import IdentityServicer`, e.g.
review-workflow's tests) keep working; the gRPC module is jes_identity.grpc_api."""

from jes_identity.grpc_api import PUBLIC_METHODS, IdentityServicer

__all__ = ["PUBLIC_METHODS", "IdentityServicer"]
