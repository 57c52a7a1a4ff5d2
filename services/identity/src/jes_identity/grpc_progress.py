"""Identity's RPCs for case-sync (seed 002): case-progress accounts opened when a court
approves a follow application, and whose follows a reader holds. A mixin of
IdentityServicer (parse, call the use case, map)."""

from __future__ import annotations

import grpc

from jes.identity.v1 import progress_accounts_pb2 as ppb
from jes_grpckit import current_claims
from jes_identity.usecases.progress_accounts import ProgressAccounts


class ProgressAccountRpcs:
    progress_accounts: ProgressAccounts

    def OpenProgressAccount(
        self, request: ppb.OpenProgressAccountRequest, context: grpc.ServicerContext
    ) -> ppb.ProgressAccount:
        opened = self.progress_accounts.open(
            current_claims(), request.email, request.display_name, request.reason
        )
        return ppb.ProgressAccount(
            id=opened.id,
            account_id=opened.account_id,
            opened=opened.opened,
            activation_link_id=opened.activation_link_id,
        )

    def GetCaseReader(
        self, request: ppb.GetCaseReaderRequest, context: grpc.ServicerContext
    ) -> ppb.CaseReader:
        reader = self.progress_accounts.reader(current_claims())
        return ppb.CaseReader(
            account_ids=list(reader.account_ids), prosecutor_id=reader.prosecutor_id
        )
