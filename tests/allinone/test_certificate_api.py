"""憑證註冊 and 憑證登入 through /api/v1 against all-in-one JES that trusts the test GRCA
hierarchy (its CRL and OCSP responder on loopback); the card is a SoftHSM2 token and the
signature comes from the stand-in of the HiPKI component, as a program on the user's
machine would get it."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from support.card_desk import (
    CARD_PASSWORD,
    CardClient,
    all_in_one_trusting_cards,
    refused,
    registers_then_logs_in,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CardClient]:
    with all_in_one_trusting_cards(tmp_path_factory.mktemp("jes-cert-api")) as (platform, desk):
        yield CardClient(platform, desk)


def test_register_with_a_card_then_log_in_with_it(client: CardClient) -> None:
    registers_then_logs_in(client, "CHANG01", "chang@example.com")


def test_a_business_card_registers_its_company(client: CardClient) -> None:
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


def test_one_certificate_one_account(client: CardClient) -> None:
    card = client.pki.card(id_last_four="6789")
    assert client.register(card, "ONCE01", "once@example.com").status_code == 201
    client.insert(card)
    again = client.post(
        "/certificate-registrations/verification", client.signed(client.challenge("register"))
    )
    refused(again, 409, "此憑證已註冊帳號，每一憑證限申請一次")


def test_a_replayed_signature_is_refused(client: CardClient) -> None:
    client.insert(client.pki.card())
    signed = client.signed(client.challenge("register"))
    assert client.post("/certificate-registrations/verification", signed).status_code == 200
    replay = client.post("/certificate-registrations/verification", signed)
    refused(replay, 400, "驗證碼已失效或已使用，請重新以憑證簽章")


def test_a_challenge_answers_only_its_holder(client: CardClient) -> None:
    client.insert(client.pki.card())
    signed = client.signed(client.challenge("register"))
    signed["challenge_secret"] = "someone-else"
    refused(
        client.post("/certificate-registrations/verification", signed),
        400,
        "驗證碼已失效或已使用，請重新以憑證簽章",
    )


def test_a_revoked_card_is_refused(client: CardClient) -> None:
    card = client.pki.card()
    client.pki.revoke(card)
    client.insert(card)
    reply = client.post(
        "/certificate-registrations/verification", client.signed(client.challenge("register"))
    )
    refused(reply, 400, "憑證已被廢止")


def test_an_encryption_certificate_is_refused(client: CardClient) -> None:
    client.insert(client.pki.card(encryption_only=True))
    reply = client.post(
        "/certificate-registrations/verification", client.signed(client.challenge("register"))
    )
    refused(reply, 400, "請使用簽章用憑證，不可使用加密用憑證")


def test_an_unregistered_card_does_not_log_in(client: CardClient) -> None:
    client.insert(client.pki.card())
    reply = client.post("/certificate-sessions", client.signed(client.challenge("login")))
    refused(reply, 401, "此憑證尚未註冊帳號，請先至「憑證註冊」申請")


def test_garbage_is_a_clear_400(client: CardClient) -> None:
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


def test_a_renewed_card_joins_its_holders_account(client: CardClient) -> None:
    first = client.pki.card(name="陳小華", id_last_four="6789")
    assert client.register(first, "CHEN01", "chen@example.com").status_code == 201
    token = client.platform.login("CHEN01", CARD_PASSWORD)

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
