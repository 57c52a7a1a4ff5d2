"""What a certificate test needs around JES, the same in every run mode: the test GRCA
hierarchy with its CRL and OCSP responder on loopback, the stand-in of the HiPKI
component holding SoftHSM2 cards, and a client that signs the portal's challenges with
them through /api/v1, as a program on the card holder's machine would."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from support import flows
from support.allinone import running_all_in_one
from support.card_pki import Card, CardPki, RevocationServer, revocation_server
from support.hipki_standin import Component, local_component, request_signature
from support.soft_token import SoftTokens

PIN = "112233"
PROBLEM = "application/problem+json"
CARD_PASSWORD = "Card-Holder-2026!"


@dataclass
class CardDesk:
    """The test PKI's revocation server and the local component the cards go into."""

    revocation: RevocationServer
    component: Component

    @property
    def pki(self) -> CardPki:
        return self.revocation.pki

    def insert(self, card: Card, pin: str = PIN, label: str = "") -> None:
        label = label or SoftTokens.new_label()
        self.component.insert(label, SoftTokens.shared().insert(card, pin, label))

    def trust_settings(self, folder: Path) -> dict[str, str]:
        """Identity's trust folder (JES_CERT_TRUST_DIR) and the component's address the
        pages use (JES_HIPKI_URL)."""
        trust = self.pki.write_trust(folder)
        return {"JES_CERT_TRUST_DIR": str(trust), "JES_HIPKI_URL": self.component.url}


@contextmanager
def card_desk() -> Iterator[CardDesk]:
    with revocation_server() as server, local_component(SoftTokens.shared()) as component:
        yield CardDesk(server, component)


@contextmanager
def all_in_one_trusting_cards(data: Path) -> Iterator[tuple[flows.Platform, CardDesk]]:
    """All-in-one JES that trusts the test hierarchy, and the desk with its cards."""
    with (
        card_desk() as desk,
        running_all_in_one(data, settings=desk.trust_settings(data / "cert-trust")) as platform,
    ):
        yield platform, desk


class CardClient:
    """憑證註冊 and 憑證登入 through /api/v1 with cards of the desk."""

    def __init__(self, platform: flows.Platform, desk: CardDesk):
        self.platform = platform
        self.desk = desk
        self.pki = desk.pki

    def insert(self, card: Card) -> None:
        self.desk.insert(card)

    def challenge(self, purpose: str) -> dict[str, Any]:
        reply = self.platform.api(
            "POST", "/api/v1/certificate-challenges", json={"purpose": purpose}
        )
        assert reply.status_code == 201, reply.text
        return dict(reply.json())

    def signed(self, challenge: dict[str, Any], pin: str = PIN) -> dict[str, str]:
        answer = request_signature(self.desk.component.url, challenge["text"], pin)
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
            "/certificate-registrations", registration_form(challenge, account_id, [email], **form)
        )


def registration_form(
    challenge: dict[str, Any], account_id: str, emails: list[str], **changes: Any
) -> dict[str, Any]:
    """The form after the card's signature (seed 001, Step 2/2): a citizen's details."""
    return {
        "challenge_id": challenge["challenge_id"],
        "challenge_secret": challenge["challenge_secret"],
        "account_id": account_id,
        "password": CARD_PASSWORD,
        "national_id": "A123456789",
        "phone": "02-2311-1234",
        "address": "臺北市中正區重慶南路一段124號",
        "emails": emails,
        **changes,
    }


def refused(reply: requests.Response, status: int, message: str) -> None:
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"].startswith(PROBLEM)
    body = reply.json()
    assert message in (body["detail"], *body.get("fields", {}).values()), body


def registers_then_logs_in(client: CardClient, account_id: str, email: str) -> None:
    """A citizen's card registers an account (not before the first e-mail is verified),
    then logs in instead of the password; the password works too."""
    card = client.pki.card(name="張志明", id_last_four="6789")
    client.insert(card)
    challenge = client.challenge("register")
    facts = client.post("/certificate-registrations/verification", client.signed(challenge))
    assert facts.status_code == 200, facts.text
    assert facts.json()["kind"] == "natural_person"
    assert facts.json()["name"] == "張志明"
    assert facts.json()["id_last_four"] == "6789"

    form = registration_form(challenge, account_id, [email, f"second.{email}"])
    # not before the first e-mail is verified; nothing is created
    refused(client.post("/certificate-registrations", form), 409, "請先完成電子郵件認證")
    client.verify_email(challenge["challenge_id"], email)
    created = client.post("/certificate-registrations", form)
    assert created.status_code == 201, created.text
    assert created.json() == {"account_id": account_id, "name": "張志明"}

    client.insert(card)  # the same card, later
    session = client.post("/certificate-sessions", client.signed(client.challenge("login")))
    assert session.status_code == 201, session.text
    assert session.json()["account"]["account_id"] == account_id
    me = client.platform.api("GET", "/api/v1/account", session.json()["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "張志明"
    # and the password works too
    assert client.platform.login(account_id, CARD_PASSWORD)
