"""notification for the links in case-progress mails: one address's mail settings for one
case, read and changed by the link's token (the gateway calls as itself: no login)."""

from __future__ import annotations

from jes.notification.v1 import notification_pb2 as pb
from jes.notification.v1 import notification_pb2_grpc as pb_grpc
from jes_gateway.facades.base import Facade


class NoticesFacade(Facade[pb_grpc.NotificationServiceStub]):
    def case_mail_settings(self, token: str) -> pb.CaseMailSettings:
        return self._rpc().GetCaseMailSettings(pb.GetCaseMailSettingsRequest(token=token))

    def set_case_mail_mode(
        self, token: str, mode: pb.CaseMailMode.ValueType
    ) -> pb.CaseMailSettings:
        return self._rpc().SetCaseMailMode(pb.SetCaseMailModeRequest(token=token, mode=mode))
