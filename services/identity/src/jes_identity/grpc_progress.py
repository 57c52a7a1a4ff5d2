"""Identity's RPCs for case-sync (seed 002): case-progress accounts opened when a court
approves a follow application, and whose follows a reader holds. A mixin of
IdentityServicer (parse, call the use case, map)."""

from __future__ import annotations

import grpc

from jes.identity.v1 import progress_accounts_pb2 as ppb

NOT_YET = "此功能尚未提供"


class ProgressAccountRpcs:
    def OpenProgressAccount(
        self, request: ppb.OpenProgressAccountRequest, context: grpc.ServicerContext
    ) -> ppb.ProgressAccount:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, NOT_YET)
        return ppb.ProgressAccount()

    def GetCaseReader(
        self, request: ppb.GetCaseReaderRequest, context: grpc.ServicerContext
    ) -> ppb.CaseReader:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, NOT_YET)
        return ppb.CaseReader()
