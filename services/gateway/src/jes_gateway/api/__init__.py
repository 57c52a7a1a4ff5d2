"""The REST/JSON API for programs (bearer tokens, no cookies): /api/v1."""
