"""Typed request and response bodies of /api/v1 (pydantic): they validate requests, check
that answers keep their shape, and generate the OpenAPI document."""
