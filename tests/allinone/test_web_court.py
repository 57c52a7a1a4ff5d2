"""Court review through the web pages, in all-in-one mode: a firm's printed set reaches its
court's queue (and no other court's), the clerk rejects it with a reason per photo, the
firm fixes and reprints it, the clerk sees what changed and approves it, and only then
does the public lookup show it."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urljoin

import requests

from jes.photo_storage.v1 import photo_storage_pb2, photo_storage_pb2_grpc
from support import callers, flows
from support.allinone import DEMO_PASSWORD
from support.images import jpeg
from support.processes import wait_until
from support.web import WebClient


class Firm:
    """DEMOFIRM working through the API (its own pages are another part's tests)."""

    def __init__(self, platform: flows.Platform):
        self.platform = platform
        self.token = platform.login("DEMOFIRM", DEMO_PASSWORD)

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.platform.api(method, path, self.token, **kwargs)

    def printed_set(self, number: int, photos: int = 2) -> dict[str, Any]:
        opened = self.api(
            "POST",
            "/api/v1/photo-sets",
            json={
                "court_code": "TPD",
                "division": "乙",
                "case_number": {"year": 112, "word": "司執", "number": number},
            },
        )
        assert opened.status_code == 200, opened.text
        set_id = opened.json()["id"]
        for n in range(photos):
            uploaded = self.api(
                "POST",
                f"/api/v1/photo-sets/{set_id}/photos",
                files={"file": ("p.jpg", jpeg(1200, 900, color=(40 * n, 120, 150)), "image/jpeg")},
                data={
                    "placement": "outdoor",
                    "auction_target": "建物",
                    "description": f"外觀{n + 1}",
                },
            )
            assert uploaded.status_code == 201, uploaded.text
        self.print(set_id)
        return self.photo_set(set_id)

    def print(self, set_id: str) -> None:
        printed = self.api("POST", f"/api/v1/photo-sets/{set_id}/print")
        assert printed.status_code == 200, printed.text

    def photo_set(self, set_id: str) -> dict[str, Any]:
        reply = self.api("GET", f"/api/v1/photo-sets/{set_id}")
        assert reply.status_code == 200, reply.text
        return reply.json()

    def change_description(self, photo_set: dict[str, Any], index: int, text: str) -> None:
        """An edit through photo-storage itself, as the firm's edit page makes it."""
        photo = photo_set["photos"][index]
        photos = callers.client(
            self.platform.pki,
            self.platform.addrs["photo-storage"],
            photo_storage_pb2_grpc.PhotoStorageServiceStub,
            token=self.token,
        )
        photos.call(
            "UpdatePhoto",
            photo_storage_pb2.UpdatePhotoRequest(
                photo_id=photo["id"],
                expected_version=photo_set["version"],
                auction_target=photo["auction_target"],
                description=text,
                remark=photo["remark"],
            ),
        )


def clerk(platform: flows.Platform, account_id: str) -> WebClient:
    web = WebClient(platform.base_url)
    assert web.login(account_id, DEMO_PASSWORD).status_code == 302
    return web


def pending_submission(platform: flows.Platform, case_number: str) -> dict[str, Any]:
    """The clerk's pending submission of the case, once review-workflow has it."""
    token = platform.login("TPDCLERK", DEMO_PASSWORD)
    found: list[dict[str, Any]] = []

    def arrived() -> bool:
        reply = platform.api("GET", "/api/v1/submissions?state=pending", token)
        found[:] = [s for s in reply.json()["submissions"] if s["case_number"] == case_number]
        return bool(found)

    wait_until(arrived, timeout=60, what=f"pending submission of {case_number}")
    return found[0]


def case_number() -> tuple[int, str]:
    number = uuid.uuid4().int % 900000 + 1
    return number, f"112年度司執字第{number}號"


def public_lookup(platform: flows.Platform, number: int) -> requests.Response:
    return requests.get(
        f"{platform.base_url}/public",
        params={"court_code": "TPD", "year": 112, "word": "司執", "number": number},
        timeout=30,
    )


def test_reject_with_reasons_then_approve_a_fixed_reprint(platform: flows.Platform):
    firm = Firm(platform)
    number, formal = case_number()
    photo_set = firm.printed_set(number)
    submission = pending_submission(platform, formal)
    review_path = f"/court/reviews/{submission['id']}"
    assert "查無" in public_lookup(platform, number).text  # not approved: not public

    tpd = clerk(platform, "TPDCLERK")
    queue = tpd.get("/court/reviews").text
    assert formal in queue and review_path in queue and "待審核" in queue
    kld = clerk(platform, "KLDCLERK")
    assert formal not in kld.get("/court/reviews?state=all").text
    assert kld.get(review_path).status_code == 404

    page = tpd.get(review_path).text
    first, second = (p["id"] for p in photo_set["photos"])
    assert "外觀1" in page and "外觀2" in page and "開啟本次列印報告" in page
    assert f'name="reason_code-{first}"' in page and "照片模糊不清" in page
    assert "與前次未通過版本的差異" not in page

    nothing = tpd.post(f"{review_path}/decision", {"decision": "reject", "photo_id": [first]})
    assert nothing.status_code == 400 and "至少為一張照片選擇理由" in nothing.text

    rejected = tpd.post(
        f"{review_path}/decision",
        {
            "decision": "reject",
            "note": "請補拍正面",
            "photo_id": [first, second],
            f"sequence-{first}": "1",
            f"sequence-{second}": "2",
            f"reason_code-{first}": "blurry",
            f"reason_text-{first}": "門牌看不清楚",
            f"reason_code-{second}": "",
        },
        allow_redirects=False,
    )
    assert rejected.status_code == 302, rejected.text
    assert "已審核不通過" in tpd.get("/court/reviews").text
    assert formal in tpd.get("/court/reviews?state=rejected").text
    decided = tpd.get(review_path).text
    assert "退回理由：照片模糊不清" in decided and 'value="approve"' not in decided

    after_rejection = firm.photo_set(photo_set["id"])
    assert after_rejection["status"] == "rejected"
    assert "照片模糊不清" in after_rejection["photos"][0]["rejection_reason"]

    firm.change_description(after_rejection, 0, "外觀1（重拍）")
    firm.print(photo_set["id"])
    resubmitted = pending_submission(platform, formal)
    assert resubmitted["id"] != submission["id"]
    assert "重新送審" in tpd.get("/court/reviews").text
    page = tpd.get(f"/court/reviews/{resubmitted['id']}").text
    assert "與前次未通過版本的差異" in page and "外觀1（重拍）" in page

    approved = tpd.post(
        f"/court/reviews/{resubmitted['id']}/decision",
        {"decision": "approve", "photo_id": [first, second]},
        allow_redirects=False,
    )
    assert approved.status_code == 302
    assert firm.photo_set(photo_set["id"])["status"] == "approved"

    public = public_lookup(platform, number)
    assert public.status_code == 200
    assert formal in public.text and "外觀1（重拍）" in public.text
    assert "大安不動產估價師事務所" not in public.text  # nothing about the firm
    api = requests.get(
        f"{platform.base_url}/api/v1/public/photo-sets",
        params={"court_code": "TPD", "year": 112, "word": "司執", "number": number},
        timeout=30,
    ).json()
    [shown] = api["photo_sets"]
    image = requests.get(urljoin(platform.base_url, shown["photos"][0]["url"]), timeout=30)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"

    audit = tpd.get("/court/audit").text
    assert "審核不通過" in audit and "審核通過" in audit and formal in audit


def test_a_set_changed_after_printing_cannot_be_approved(platform: flows.Platform):
    firm = Firm(platform)
    number, formal = case_number()
    photo_set = firm.printed_set(number, photos=1)
    submission = pending_submission(platform, formal)
    firm.change_description(photo_set, 0, "列印後又改了")

    tpd = clerk(platform, "TPDCLERK")
    tpd.get(f"/court/reviews/{submission['id']}")
    refused = tpd.post(f"/court/reviews/{submission['id']}/decision", {"decision": "approve"})
    assert refused.status_code == 409
    assert "error-notice" in refused.text
    assert firm.photo_set(photo_set["id"])["status"] != "approved"
    wait_until(
        lambda: formal in tpd.get("/court/reviews?state=withdrawn").text,
        timeout=60,
        what="the withdrawn submission",
    )
    assert "查無" in public_lookup(platform, number).text
