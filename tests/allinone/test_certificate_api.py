"""憑證註冊 and 憑證登入 through /api/v1 against all-in-one JES that trusts the test GRCA
hierarchy (its CRL and OCSP responder on loopback); the card is a SoftHSM2 token and the
signature comes from the stand-in of the HiPKI component, as a program on the user's
machine would get it."""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from support import flows
from support.allinone import running_all_in_one
from support.card_pki import Card, RevocationServer, revocation_server
from support.hipki_standin import Component, local_component, request_signature
from support.soft_token import SoftTokens

PIN = "112233"
PROBLEM = "application/problem+json"
_labels = itertools.count(1)


@pytest.fixture(scope="module")
def revocation() -> Iterator[RevocationServer]:
    with revocation_server() as server:
        yield server


@pytest.fixture(scope="module")
def component() -> Iterator[Component]:
    with local_component(SoftTokens.shared()) as running:
        yield running


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory, revocation: RevocationServer, component: Component
) -> Iterator[flows.Platform]:
    data = tmp_path_factory.mktemp("jes-cert-api")
    trust = revocation.pki.write_trust(data / "cert-trust")
    settings = {"JES_CERT_TRUST_DIR": str(trust), "JES_HIPKI_URL": component.url}
    with running_all_in_one(data, settings=settings) as platform:
        yield platform


class Client:
    def __init__(self, platform: flows.Platform, component: Component, pki: Any):
        self.platform = platform
        self.component = component
        self.pki = pki

    def insert(self, card: Card) -> None:
        label = f"api-card-{next(_labels)}"
        self.component.insert(label, SoftTokens.shared().insert(card, PIN, label))

    def challenge(self, purpose: str) -> dict[str, Any]:
        reply = self.platform.api(
            "POST", "/api/v1/certificate-challenges", json={"purpose": purpose}
        )
        assert reply.status_code == 201, reply.text
        return dict(reply.json())

    def signed(self, challenge: dict[str, Any], pin: str = PIN) -> dict[str, str]:
        answer = request_signature(self.component.url, challenge["text"], pin)
        assert answer.ret_code == 0, answer.last_error
        return {
            "challenge_id": challenge["challenge_id"],
            "challenge_secret": challenge["challenge_secret"],
            "signature": base64.b64encode(answer.signature).decode(),
            "certificate": base64.b64encode(answer.certificate).decode(),
        }

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self.platform.api("POST", f"/api/v1{path}", json=body)

    def verify_email(self, challenge_id: str, email: str) -> None:
        sent = self.post(
            "/certificate-registrations/email-codes", {"challenge_id": challenge_id, "email": email}
        )
        assert sent.status_code == 202, sent.text
        body = self.platform.wait_for_mail(email)[-1]["body"]
        code = re.search(r"^\s+(\d{6})$", body, re.M)
        assert code is not None, body
        verified = self.post(
            "/certificate-registrations/email-verifications",
            {"challenge_id": challenge_id, "email": email, "code": code.group(1)},
        )
        assert verified.status_code == 200, verified.text

    def register(self, card: Card, account_id: str, email: str, **form: Any) -> requests.Response:
        self.insert(card)
        challenge = self.challenge("register")
        facts = self.post("/certificate-registrations/verification", self.signed(challenge))
        assert facts.status_code == 200, facts.text
        self.verify_email(challenge["challenge_id"], email)
        return self.post(
            "/certificate-registrations",
            {
                "challenge_id": challenge["challenge_id"],
                "challenge_secret": challenge["challenge_secret"],
                "account_id": account_id,
                "password": "Card-Holder-2026!",
                "national_id": "A123456789",
                "phone": "02-2311-1234",
                "address": "臺北市中正區重慶南路一段124號",
                "emails": [email],
                **form,
            },
        )


@pytest.fixture(scope="module")
def client(platform: flows.Platform, component: Component, revocation: RevocationServer) -> Client:
    return Client(platform, component, revocation.pki)


def refused(reply: requests.Response, status: int, message: str) -> None:
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"].startswith(PROBLEM)
    body = reply.json()
    assert message in (body["detail"], *body.get("fields", {}).values()), body


def test_register_with_a_card_then_log_in_with_it(client: Client) -> None:
    card = client.pki.card(name="張志明", id_last_four="6789")
    client.insert(card)
    challenge = client.challenge("register")
    facts = client.post("/certificate-registrations/verification", client.signed(challenge))
    assert facts.status_code == 200, facts.text
    assert facts.json()["kind"] == "natural_person"
    assert facts.json()["name"] == "張志明"
    assert facts.json()["id_last_four"] == "6789"

    form = {
        "challenge_id": challenge["challenge_id"],
        "challenge_secret": challenge["challenge_secret"],
        "account_id": "CHANG01",
        "password": "Card-Holder-2026!",
        "national_id": "A123456789",
        "phone": "02-2311-1234",
        "address": "臺北市中正區重慶南路一段124號",
        "emails": ["chang@example.com", "chang2@example.com"],
    }
    # not before the first e-mail is verified; nothing is created
    refused(client.post("/certificate-registrations", form), 409, "請先完成電子郵件認證")
    client.verify_email(challenge["challenge_id"], "chang@example.com")
    created = client.post("/certificate-registrations", form)
    assert created.status_code == 201, created.text
    assert created.json() == {"account_id": "CHANG01", "name": "張志明"}

    client.insert(card)  # the same card, later
    session = client.post("/certificate-sessions", client.signed(client.challenge("login")))
    assert session.status_code == 201, session.text
    assert session.json()["account"]["account_id"] == "CHANG01"
    me = client.platform.api("GET", "/api/v1/account", session.json()["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "張志明"
    # and the password works too
    assert client.platform.login("CHANG01", "Card-Holder-2026!")


def test_a_business_card_registers_its_company(client: Client) -> None:
    card = client.pki.card(
        "MOEACA", name="大明股份有限公司", organisation="大明股份有限公司",
        business_number="22099131",
    )  # fmt: skip
    created = client.register(
        card,
        "DAMING01",
        "daming@example.com",
        national_id="",
        representative_name="王大明",
        representative_title="董事長",
        business_number="22099131",
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "大明股份有限公司"


def test_one_certificate_one_account(client: Client) -> None:
    card = client.pki.card(id_last_four="6789")
    assert client.register(card, "ONCE01", "once@example.com").status_code == 201
    client.insert(card)
    again = client.post(
        "/certificate-registrations/verification", client.signed(client.challenge("register"))
    )
    refused(again, 409, "此憑證已註冊帳號，每一憑證限申請一次")


def test_a_replayed_signature_is_refused(client: Client) -> None:
    client.insert(client.pki.card())
    signed = client.signed(client.challenge("register"))
    assert client.post("/certificate-registrations/verification", signed).status_code == 200
    replay = client.post("/certificate-registrations/verification", signed)
    refused(replay, 400, "驗證碼已失效或已使用，請重新以憑證簽章")


def test_a_challenge_answers_only_its_holder(client: Client) -> None:
    client.insert(client.pki.card())
    signed = client.signed(client.challenge("register"))
    signed["challenge_secret"] = "someone-else"
    refused(
        client.post("/certificate-registrations/verification", signed),
        400,
        "驗證碼已失效或已使用，請重新以憑證簽章",
    )


def test_a_revoked_card_is_refused(client: Client) -> None:
    card = client.pki.card()
    client.pki.revoke(card)
    client.insert(card)
    reply = client.post(
        "/certificate-registrations/verification", client.signed(client.challenge("register"))
    )
    refused(reply, 400, "憑證已被廢止")


def test_an_encryption_certificate_is_refused(client: Client) -> None:
    client.insert(client.pki.card(encryption_only=True))
    reply = client.post(
        "/certificate-registrations/verification", client.signed(client.challenge("register"))
    )
    refused(reply, 400, "請使用簽章用憑證，不可使用加密用憑證")


def test_an_unregistered_card_does_not_log_in(client: Client) -> None:
    client.insert(client.pki.card())
    reply = client.post("/certificate-sessions", client.signed(client.challenge("login")))
    refused(reply, 401, "此憑證尚未註冊帳號，請先至「憑證註冊」申請")


def test_garbage_is_a_clear_400(client: Client) -> None:
    challenge = client.challenge("login")
    body = {
        "challenge_id": challenge["challenge_id"],
        "challenge_secret": challenge["challenge_secret"],
        "signature": "not base64!",
    }
    refused(client.post("/certificate-sessions", body), 400, "請送出 Base64 編碼的簽章")
    body["signature"] = base64.b64encode(b"not a signature").decode()
    challenge = client.challenge("login")
    body.update(
        challenge_id=challenge["challenge_id"], challenge_secret=challenge["challenge_secret"]
    )
    refused(client.post("/certificate-sessions", body), 400, "簽章格式不正確，請重新以憑證簽章")


def test_a_renewed_card_joins_its_holders_account(client: Client) -> None:
    first = client.pki.card(name="陳小華", id_last_four="6789")
    assert client.register(first, "CHEN01", "chen@example.com").status_code == 201
    token = client.platform.login("CHEN01", "Card-Holder-2026!")

    other = client.pki.card(name="陳小華", id_last_four="4321")
    client.insert(other)
    refused(
        client.platform.api(
            "POST", "/api/v1/account/certificates", token,
            json=client.signed(client.challenge("renew")),
        ),
        409,
        "新憑證的持有人與帳號已註冊的憑證不同，無法綁定",
    )  # fmt: skip

    renewed = client.pki.card("MOICA G2", name="陳小華", id_last_four="6789")
    client.insert(renewed)
    bound = client.platform.api(
        "POST", "/api/v1/account/certificates", token, json=client.signed(client.challenge("renew"))
    )
    assert bound.status_code == 201, bound.text
    assert bound.json()["authority"] == "MOICA"
    session = client.post("/certificate-sessions", client.signed(client.challenge("login")))
    assert session.status_code == 201, session.text
    assert session.json()["account"]["account_id"] == "CHEN01"
