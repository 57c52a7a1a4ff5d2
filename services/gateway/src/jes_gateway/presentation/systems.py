"""The systems one portal account reaches (seed 001: 系統連結), and who may use each: the
one list the dashboard (會員專區), the API and the menus read. A system whose pages are
not in this gateway yet is left out until they are (its `path` has no route)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

COURT_STAFF = frozenset({"clerk", "admin"})
EVERYONE: frozenset[str] = frozenset()  # any signed-in person
# 案件進度查詢's readers: a litigant's follows (progress, or a portal account bound to one),
# a professional's, a prosecutor's cases. Court staff use the court's own pages.
CASE_READERS = frozenset({"progress", "member", "professional", "prosecutor"})


@dataclass(frozen=True)
class PortalSystem:
    key: str
    name: str
    description: str
    path: str  # the page it opens
    roles: frozenset[str] = EVERYONE  # who may use it; empty: every signed-in person

    def open_to(self, roles: Iterable[str]) -> bool:
        return not self.roles or bool(self.roles & set(roles))


SYSTEMS: tuple[PortalSystem, ...] = (
    PortalSystem(
        "photo-upload",
        "鑑估報告照片上傳維護",
        "上傳、編輯及列印鑑估報告照片，送交法院審核",
        "/photos/",
        frozenset({"firm"}),
    ),
    PortalSystem(
        "photo-rejected",
        "維護未通過審核照片",
        "依法院退回原因修正照片後重新列印",
        "/photos/rejected",
        frozenset({"firm"}),
    ),
    PortalSystem(
        "photo-review",
        "鑑估報告照片審核",
        "審核鑑估價公司送交的照片報告",
        "/court/reviews",
        COURT_STAFF,
    ),
    PortalSystem(
        "firm-applications",
        "鑑估價公司帳號申請審核",
        "開通或退回鑑估價公司的帳號申請",
        "/court/applications",
        COURT_STAFF,
    ),
    PortalSystem("audit", "稽核紀錄", "法院審核決定的紀錄", "/court/audit", COURT_STAFF),
    PortalSystem(
        "professional-applications",
        "專業人員註冊審核",
        "核准或退回律師、會計師等專業人員的註冊申請",
        "/admin/professionals",
        frozenset({"admin"}),
    ),
    PortalSystem(
        "case-progress",
        "案件進度查詢",
        "查詢您的案件進行情形",
        "/cases/",
        CASE_READERS,
    ),
    PortalSystem(
        "appraiser-commissioning",
        "鑑定人選任",
        "依輪次選任鑑定人、鑑定費用試算、輪次紀錄與公平性報告",
        "/appraisers/",
        frozenset(
            {
                "clerk",
                "judicial-officer",
                "records-chief",
                "chief-judge",
                "committee-member",
                "admin",
            }
        ),
    ),
    PortalSystem(
        "appraiser-applications",
        "鑑定人申請",
        "申請列為法院鑑定人、上傳應備文件、查看評選結果",
        "/appraiser-applications/",
        frozenset(
            {
                "firm",
                "professional",
                "member",
                "appraiser",
                "records-chief",
                "chief-judge",
                "committee-member",
                "admin",
            }
        ),
    ),
    PortalSystem(
        "appraiser-committee",
        "鑑定人資格審查小組",
        "委員、初擬意見、提付表決、投票及議決",
        "/committee/",
        frozenset({"records-chief", "chief-judge", "committee-member", "admin"}),
    ),
    PortalSystem(
        "appraisal-deadlines",
        "鑑定期限",
        "鑑定費用繳納、鑑定書送交及回覆本院通知的期限，逾期項目",
        "/appraisers/work",
        frozenset({"clerk", "judicial-officer", "records-chief", "chief-judge", "admin"}),
    ),
    PortalSystem(
        "my-appraisals",
        "我的鑑定事件",
        "受選任鑑定事件的期限、繳費登錄及未繳費陳報",
        "/appraisers/my-work",
        frozenset({"appraiser"}),
    ),
    PortalSystem("public-photos", "照片公開查詢", "依法院及案號查詢已審核通過的照片", "/public"),
    PortalSystem("account", "個人帳號維護", "修改基本資料及密碼", "/account"),
)


def systems_for(roles: Iterable[str], has_page: Iterable[str]) -> list[PortalSystem]:
    """The systems a person with `roles` may use, among those whose page exists."""
    pages = set(has_page)
    wanted = list(roles)
    return [s for s in SYSTEMS if s.path in pages and s.open_to(wanted)]
