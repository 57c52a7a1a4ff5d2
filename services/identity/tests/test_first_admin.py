"""The first administrator of a real installation: `jes create-admin` (no demo data),
an account without a password and a one-time link of which only the hash is stored."""

from __future__ import annotations

import hashlib
from pathlib import Path

import grpc
import pytest
from sqlalchemy import select

from jes.identity.v1 import identity_pb2 as pb
from jes_identity.app import create_admin_link
from jes_identity.models import Account, PasswordToken
from jes_platform import cli

NEW_PASSWORD = "Admin1234!"


def set_password(service, token: str) -> pb.SetPasswordResponse:
    return service.client().call(
        "SetPassword", pb.SetPasswordRequest(token=token, new_password=NEW_PASSWORD)
    )


def stored(service) -> tuple[Account | None, list[PasswordToken]]:
    with service.kit.db.transaction() as session:
        account = session.scalar(select(Account).where(Account.account_id == "OPSADMIN"))
        links = list(session.scalars(select(PasswordToken).order_by(PasswordToken.created_at)))
        return account, links


def test_create_admin_gives_an_account_without_password_and_a_one_time_link(service):
    admin, url = create_admin_link(
        service.kit.config, "opsadmin", "Ops@Court.example", "維運管理者"
    )
    assert (admin.account_id, admin.created) == ("OPSADMIN", True)
    token = url.split("/password/set?token=", 1)[1]
    assert url.startswith(service.kit.config.platform.public_url)
    account, [link] = stored(service)
    assert account is not None and account.password_hash is None
    assert (account.roles, account.email, account.court_code) == ("admin", "ops@court.example", "")
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()  # only the hash

    with pytest.raises(grpc.RpcError):  # no password until the link is used
        service.login("OPSADMIN", NEW_PASSWORD)
    assert set_password(service, token).account_id == "OPSADMIN"
    login = service.login("OPSADMIN", NEW_PASSWORD)
    assert login.account.roles == ["admin"]
    with pytest.raises(grpc.RpcError):  # one use only
        set_password(service, token)
    assert [e.action for e in service.audit()][:1] == ["account.created"]
    assert service.audit()[0].actor_account_id == "operator:jes create-admin"


def test_create_admin_again_retires_the_older_link(service):
    _, first = create_admin_link(service.kit.config, "OPSADMIN", "ops@court.example")
    again, second = create_admin_link(service.kit.config, "OPSADMIN", "ops@court.example")
    assert again.created is False and first != second
    with pytest.raises(grpc.RpcError):
        set_password(service, first.split("token=", 1)[1])
    assert set_password(service, second.split("token=", 1)[1]).account_id == "OPSADMIN"


def test_create_admin_refuses_a_non_admin_account_and_bad_input(service):
    service.add_account("TPDF0001", roles=["firm"])
    with pytest.raises(ValueError, match="不是系統管理者"):
        create_admin_link(service.kit.config, "TPDF0001", "x@court.example")
    with pytest.raises(ValueError) as refused:
        create_admin_link(service.kit.config, "ad min!", "not-an-address")
    assert "account_id" in str(refused.value) and "email" in str(refused.value)
    account, links = stored(service)
    assert account is None and links == []


def test_jes_create_admin_prints_the_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("JES_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JES_PUBLIC_URL", "https://jes.court.example")
    monkeypatch.delenv("JES_DATABASE_URL", raising=False)
    assert cli.main(["create-admin", "--account-id", "ADMIN", "--email", "a@court.example"]) == 0
    out = capsys.readouterr().out
    assert "Administrator ADMIN created." in out
    assert "https://jes.court.example/password/set?token=" in out
    assert (tmp_path / "identity.db").exists()
    assert cli.main(["create-admin", "--account-id", "AD MIN", "--email", "a@b.example"]) == 2
    assert "account_id" in capsys.readouterr().err
