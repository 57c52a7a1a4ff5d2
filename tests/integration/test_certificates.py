"""憑證註冊 and 憑證登入 in distributed mode (issue 10, journey 4): identity in its own
process on PostgreSQL trusts the test GRCA hierarchy (CRL and OCSP on loopback); the
card is a SoftHSM2 token signed through the HiPKI stand-in; the code to the first
e-mail goes through Kafka to notification and the SMTP sink. What the user sees, and
what identity stored."""

from __future__ import annotations

import pytest

from support import flows
from support.card_desk import CardClient, CardDesk, refused, registers_then_logs_in
from support.distributed import Distributed, rows


@pytest.fixture(scope="module")
def client(distributed: Distributed, cards: CardDesk) -> CardClient:
    return CardClient(distributed.platform(), cards)


def test_a_card_registers_an_account_and_then_logs_in(
    client: CardClient, distributed: Distributed
) -> None:
    email = flows.unique_email("itcard01")  # the SMTP sink keeps earlier runs' mail
    registers_then_logs_in(client, "ITCARD01", email)

    [account] = rows(
        distributed.infra,
        "identity",
        "SELECT id, display_name, email, roles, password_hash FROM accounts WHERE account_id = :a",
        a="ITCARD01",
    )
    assert (account.display_name, account.email, account.roles) == (
        "張志明",
        email,
        "member",
    )
    assert account.password_hash.startswith("$argon2")  # never the password itself
    [certificate] = rows(
        distributed.infra,
        "identity",
        "SELECT kind, authority, subject_name, holder_code FROM account_certificates"
        " WHERE account_id = :id",
        id=account.id,
    )
    assert tuple(certificate) == ("natural_person", "MOICA", "張志明", "6789")
    [profile] = rows(
        distributed.infra,
        "identity",
        "SELECT national_id, other_emails FROM certificate_account_profiles WHERE account_id = :id",
        id=account.id,
    )
    assert tuple(profile) == ("A123456789", f"second.{email}")
    audited = rows(
        distributed.infra,
        "identity",
        "SELECT action, actor_account_id FROM audit_log WHERE subject_id = :a",
        a="ITCARD01",
    )
    assert ("account.registered_by_certificate", "ITCARD01") in [tuple(r) for r in audited]


def test_a_revoked_card_is_refused_and_nothing_is_stored(
    client: CardClient, distributed: Distributed
) -> None:
    card = client.pki.card(name="廢止卡")
    client.pki.revoke(card)
    client.insert(card)
    reply = client.post(
        "/certificate-registrations/verification", client.signed(client.challenge("register"))
    )
    refused(reply, 400, "憑證已被廢止")
    stored = rows(
        distributed.infra,
        "identity",
        "SELECT 1 FROM account_certificates WHERE subject_name = :name",
        name="廢止卡",
    )
    assert stored == []


def test_an_unregistered_card_does_not_log_in(client: CardClient) -> None:
    client.insert(client.pki.card())
    reply = client.post("/certificate-sessions", client.signed(client.challenge("login")))
    refused(reply, 401, "此憑證尚未註冊帳號，請先至「憑證註冊」申請")
