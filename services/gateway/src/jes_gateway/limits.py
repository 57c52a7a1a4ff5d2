"""Per-client request limits shared by pages and the API (one budget per client for both)."""

from __future__ import annotations

from jes_gateway.ratelimit import RateLimiter

login_limiter = RateLimiter(limit=20, window_seconds=300)
# Per client: signatures checked by identity (certificate registration and login; each
# costs an OCSP request). Challenges are not counted: they are single use and cheap.
certificate_limiter = RateLimiter(limit=30, window_seconds=300)
# Per client, on top of identity's own per-account and per-address limits: these mail
# links or consume them, so one client must not hammer them.
mail_request_limiter = RateLimiter(limit=10, window_seconds=900)
set_password_limiter = RateLimiter(limit=10, window_seconds=900)
# Generous for people, but stops a script from walking every case number.
lookup_limiter = RateLimiter(limit=60, window_seconds=60)

RESET_SENT = "若資料正確，系統已寄出重設密碼連結，請至電子郵件信箱收信。"
ACCOUNT_ID_SENT = "若資料正確，系統已將您的帳號寄至該電子郵件信箱，請收信。"
# Each application mails the address it names: a client may not send court mail at will.
application_limiter = RateLimiter(limit=5, window_seconds=3600)
