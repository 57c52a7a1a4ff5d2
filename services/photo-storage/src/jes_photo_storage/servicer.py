"""Where the servicer used to live; review-workflow's tests still import it from here.
The gRPC module is grpc_api.py."""

from jes_photo_storage.grpc_api import PhotoStorageServicer

__all__ = ["PhotoStorageServicer"]
