"""What case-sync asks identity (its gRPC client, behind two plain callables the use
cases and the gRPC module take): open a litigant's case-progress account, and who a
reader is (the accounts whose follows they hold, their prosecutor id)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from jes.identity.v1 import identity_pb2_grpc
from jes.identity.v1 import progress_accounts_pb2 as ppb
from jes_case_sync.usecases.follows import OpenedAccount
from jes_grpckit import Client

READER_CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class ReaderIdentity:
    account_ids: tuple[str, ...]
    prosecutor_id: str


# (the person's forwarded token, their account id) -> who they are as a reader
ReaderLookup = Callable[[str, str], ReaderIdentity]


class IdentityPort:
    def __init__(self, identity: Client[identity_pb2_grpc.IdentityServiceStub]):
        self.identity = identity
        self._cache: dict[str, tuple[float, ReaderIdentity]] = {}
        self._lock = threading.Lock()

    def open_account(self, email: str, display_name: str, reason: str) -> OpenedAccount:
        reply = self.identity.stub.OpenProgressAccount(
            ppb.OpenProgressAccountRequest(email=email, display_name=display_name, reason=reason)
        )
        return OpenedAccount(reply.id, reply.account_id, reply.opened, reply.activation_link_id)

    def reader(self, token: str, account_id: str) -> ReaderIdentity:
        """Cached a little while per account: a case page is read often, a binding or a
        prosecutor id changes rarely (a new binding shows within half a minute)."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(account_id)
            if cached is not None and cached[0] > now:
                return cached[1]
        reply = self.identity.as_caller(token).GetCaseReader(ppb.GetCaseReaderRequest())
        found = ReaderIdentity(tuple(reply.account_ids), reply.prosecutor_id)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[account_id] = (now + READER_CACHE_SECONDS, found)
        return found
