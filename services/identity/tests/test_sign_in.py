"""Single sign-on's rules (usecases/sign_in.py with domain/sign_in.py): the claim rules
for judges and prosecutors, accounts keyed on (issuer, subject), and the state, nonce
and PKCE checks.

The provider here is a stand-in inside this one module's test: it signs real ID tokens
(RS256) with a key of its own, checks the PKCE verifier against the challenge and puts
the authorisation request's nonce into the token, as a provider does. The same flows run
against a real Keycloak in tests/allinone/test_sso.py and tests/integration."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from jes.identity.v1 import identity_pb2 as pb
from jes_config.sign_in import NAME_FROM_DIRECTORY, PASSWORD_AT_PROVIDER, SignInProviderConfig
from jes_domain import FailedPrecondition, NotFound, Unauthenticated
from jes_grpckit import field_violations
from jes_identity.models import Account, ExternalIdentity, SignInFlow, audit_log
from jes_identity.usecases import Infrastructure, ProviderSignIn, Sessions

REDIRECT = "http://127.0.0.1:8080/login/sso/courts/callback"
COURTS_ISSUER = "https://sso.courts.test/realms/courts"
MOJ_ISSUER = "https://sso.moj.test/realms/moj"


@dataclass
class StandInProvider:
    """An OpenID provider's behaviour, for this module's tests only."""

    config: SignInProviderConfig
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    # what the next sign-in's user is (claims besides iss/aud/exp/iat/nonce)
    person: dict[str, Any] = field(default_factory=dict)
    # code -> (nonce, code_challenge, claims)
    codes: dict[str, tuple[str, str, dict[str, Any]]] = field(default_factory=dict)
    token_overrides: dict[str, Any] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)

    def authorization_url(
        self, *, state: str, nonce: str, code_challenge: str, redirect_uri: str
    ) -> str:
        return (
            f"{self.config.issuer}/auth?state={state}&nonce={nonce}&code_challenge={code_challenge}"
        )

    def log_in(self, url: str) -> tuple[str, str]:
        """The person logs in at the provider: (code, state) of the redirect back."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        code = f"code-{len(self.codes)}"
        self.codes[code] = (query["nonce"], query["code_challenge"], dict(self.person))
        return code, query["state"]

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> str:
        nonce, challenge, person = self.codes.pop(code)  # a code is good once
        digest = hashlib.sha256(code_verifier.encode()).digest()
        assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge
        now = int(time.time())
        claims = {
            "iss": self.config.issuer,
            "aud": self.config.client_id,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            **person,
            **self.token_overrides,
        }
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})
        self.issued.append(token)
        return token

    def verified_claims(self, id_token: str) -> dict[str, Any]:
        return dict(
            jwt.decode(
                id_token,
                self.key.public_key(),
                algorithms=["RS256"],
                options={"verify_aud": False, "verify_exp": False},
            )
        )


def provider_config(name: str, issuer: str, role: str) -> SignInProviderConfig:
    return SignInProviderConfig(
        name=name, issuer=issuer, client_id="jes-portal", client_secret="s", role=role, label=name
    )


JUDGE_WANG = {
    "sub": "kc-0001",
    "name": "王大明",
    "preferred_username": "judge.wang",
    "court": "TPD",
}
PROSECUTOR_CHEN = {
    "sub": "moj-0001",
    "name": "陳建國",
    "preferred_username": "prosecutor.chen",
    "prosecutor_id": "TPS-0427",
    "roles": ["prosecutor"],
}


@pytest.fixture
def courts() -> StandInProvider:
    return StandInProvider(provider_config("courts", COURTS_ISSUER, "judge"), person=JUDGE_WANG)


@pytest.fixture
def moj() -> StandInProvider:
    return StandInProvider(provider_config("moj", MOJ_ISSUER, "prosecutor"), person=PROSECUTOR_CHEN)


@pytest.fixture
def sign_in(service, courts, moj) -> ProviderSignIn:
    infra = Infrastructure(service.kit.db, service.kit.outbox)
    return ProviderSignIn(Sessions(infra, service.issuer), {"courts": courts, "moj": moj})


def visit(sign_in: ProviderSignIn, provider: StandInProvider, **person: Any):
    """A whole sign-in: start, log in at the provider, come back."""
    if person:
        provider.person = person
    url, state = sign_in.begin(provider.config.name, REDIRECT)
    code, returned_state = provider.log_in(url)
    return sign_in.complete(provider.config.name, returned_state, state, code, "10.0.0.7")


def count(service, model) -> int:
    with service.kit.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def test_a_judges_first_visit_creates_the_account_from_the_claims(service, sign_in, courts):
    result = visit(sign_in, courts)

    assert result.first_visit and result.email_needed
    account = result.login.account
    assert account.display_name == "王大明"
    assert account.directory_account == "judge.wang"
    assert account.court_code == "TPD"
    assert list(account.roles) == ["judge"]
    assert account.sign_in_provider == "courts"
    assert not account.password_set  # no password: this account signs in at its provider
    # the login name is neither the directory account nor guessable from it
    assert account.account_id.startswith("J") and "WANG" not in account.account_id
    claims = service.verifier().verify(result.login.access_token)
    assert claims.roles == frozenset({"judge"}) and claims.court_code == "TPD"
    with service.kit.db.transaction() as session:
        link = session.scalar(select(ExternalIdentity))
        assert (link.issuer, link.subject) == (COURTS_ISSUER, "kc-0001")


def test_later_visits_go_straight_in_to_the_same_account(service, sign_in, courts):
    first = visit(sign_in, courts)
    with service.kit.db.transaction() as session:  # verified by its code (test_email_change)
        session.get(Account, first.login.account.id).email = "wang@courts.test"

    second = visit(sign_in, courts)

    assert not second.first_visit and not second.email_needed
    assert second.login.account.id == first.login.account.id
    assert second.login.account.email == "wang@courts.test"
    assert count(service, Account) == 1


def test_the_directory_is_the_source_of_name_and_court_on_every_visit(sign_in, courts):
    visit(sign_in, courts)
    moved = visit(sign_in, courts, **{**JUDGE_WANG, "court": "KSD"})
    assert moved.login.account.court_code == "KSD"


@pytest.mark.parametrize(
    ("court", "problem"),
    [
        (None, "目錄中沒有您的所屬法院"),
        ("", "目錄中沒有您的所屬法院"),
        ("XYZ", "「XYZ」不在本系統的法院清單"),
    ],
)
def test_a_judge_without_a_known_court_gets_no_account(service, sign_in, courts, court, problem):
    person = {k: v for k, v in JUDGE_WANG.items() if k != "court"}
    if court is not None:
        person["court"] = court
    with pytest.raises(FailedPrecondition) as refused:
        visit(sign_in, courts, **person)
    assert problem in refused.value.fields["court"]
    assert count(service, Account) == 0 and count(service, ExternalIdentity) == 0


def test_accounts_are_keyed_on_issuer_and_subject_never_on_username(service, sign_in, courts, moj):
    first = visit(sign_in, courts)
    # the directory account passed on to another person (a new subject): a new account
    successor = visit(sign_in, courts, **{**JUDGE_WANG, "sub": "kc-0002", "name": "王小明"})
    assert successor.first_visit
    assert successor.login.account.id != first.login.account.id
    # the same subject string at another provider is another person
    other = visit(sign_in, moj, **{**PROSECUTOR_CHEN, "sub": "kc-0001"})
    assert other.first_visit and other.login.account.id != first.login.account.id
    assert count(service, Account) == 3


def test_an_id_token_from_another_issuer_is_refused(service, sign_in, courts):
    courts.token_overrides = {"iss": MOJ_ISSUER}
    with pytest.raises(Unauthenticated) as refused:
        visit(sign_in, courts)
    assert "iss" in refused.value.fields
    assert count(service, Account) == 0


def test_an_id_token_for_another_client_is_refused(service, sign_in, courts):
    courts.token_overrides = {"aud": "some-other-app"}
    with pytest.raises(Unauthenticated) as refused:
        visit(sign_in, courts)
    assert "aud" in refused.value.fields


def test_an_expired_id_token_is_refused(sign_in, courts):
    courts.token_overrides = {"exp": int(time.time()) - 3600}
    with pytest.raises(Unauthenticated) as refused:
        visit(sign_in, courts)
    assert "exp" in refused.value.fields


def test_an_id_token_replayed_into_another_sign_in_is_refused(service, sign_in, courts):
    visit(sign_in, courts)
    old_token = courts.issued[-1]
    # an attacker starts a sign-in and slips the earlier token in: its nonce is not this one's
    url, state = sign_in.begin("courts", REDIRECT)
    code, _ = courts.log_in(url)
    courts.exchange_code = lambda **_: old_token  # type: ignore[method-assign]
    with pytest.raises(Unauthenticated) as refused:
        sign_in.complete("courts", state, state, code)
    assert "nonce" in refused.value.fields


def test_a_callback_is_good_once(sign_in, courts):
    url, state = sign_in.begin("courts", REDIRECT)
    code, _ = courts.log_in(url)
    sign_in.complete("courts", state, state, code)
    with pytest.raises(FailedPrecondition):
        sign_in.complete("courts", state, state, code)


def test_a_state_that_is_not_this_browsers_is_refused_and_spends_nothing(service, sign_in, courts):
    url, state = sign_in.begin("courts", REDIRECT)
    code, returned = courts.log_in(url)
    _, other_browsers_state = sign_in.begin("courts", REDIRECT)
    with pytest.raises(Unauthenticated):
        sign_in.complete("courts", returned, other_browsers_state, code)
    assert count(service, Account) == 0
    # the right browser still finishes its own sign-in
    assert sign_in.complete("courts", returned, state, code).first_visit


def test_an_expired_sign_in_cannot_be_finished(service, sign_in, courts):
    url, state = sign_in.begin("courts", REDIRECT)
    code, _ = courts.log_in(url)
    with service.kit.db.transaction() as session:
        flow = session.scalar(select(SignInFlow))
        flow.expires_at = flow.created_at
    with pytest.raises(FailedPrecondition):
        sign_in.complete("courts", state, state, code)


def test_a_prosecutor_carries_the_role_and_the_prosecutor_id(service, sign_in, moj):
    result = visit(sign_in, moj)
    account = result.login.account
    assert list(account.roles) == ["prosecutor"]
    assert account.prosecutor_id == "TPS-0427"
    assert account.display_name == "陳建國" and account.court_code == ""
    assert account.account_id.startswith("P")


@pytest.mark.parametrize(
    ("change", "field_name"),
    [({"roles": []}, "roles"), ({"prosecutor_id": ""}, "prosecutor_id")],
)
def test_a_single_window_user_who_is_not_a_prosecutor_gets_no_account(
    service, sign_in, moj, change, field_name
):
    with pytest.raises(FailedPrecondition) as refused:
        visit(sign_in, moj, **{**PROSECUTOR_CHEN, **change})
    assert field_name in refused.value.fields
    assert count(service, Account) == 0


def test_an_unknown_provider_is_refused(sign_in):
    with pytest.raises(NotFound, match="沒有這個單一登入服務"):
        sign_in.begin("nowhere", REDIRECT)


# -- what a single sign-on account may not do here ----------------------------------------


def judge_with_email(service, sign_in, courts):
    """A judge after the first visit, with the e-mail verified (test_email_change)."""
    result = visit(sign_in, courts)
    with service.kit.db.transaction() as session:
        account = session.get(Account, result.login.account.id)
        account.email = "wang@courts.test"
        account.phone = "02-2311-0000"
    return result


def stored(service, account_id: str) -> tuple[str, str, str | None, int]:
    with service.kit.db.transaction() as session:
        account = session.get(Account, account_id)
        return (
            account.display_name,
            account.phone,
            account.password_hash,
            int(session.scalar(select(func.count()).select_from(audit_log.table))),
        )


def update_request(**changes: str) -> pb.UpdateMyAccountRequest:
    fields = {"display_name": "王大明", "email": "wang@courts.test", "phone": "02-2311-0000"}
    return pb.UpdateMyAccountRequest(**{**fields, **changes})


def test_a_single_sign_on_account_cannot_rename_itself(service, sign_in, courts):
    """The directory owns the name (it is read again on every visit): a direct call that
    changes it is refused with the field named, and nothing changes."""
    result = judge_with_email(service, sign_in, courts)
    judge = service.client(result.login.access_token)
    before = stored(service, result.login.account.id)
    with pytest.raises(grpc.RpcError) as caught:
        judge.call("UpdateMyAccount", update_request(display_name="王小明", phone="02-1111-2222"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(caught.value) == {"display_name": NAME_FROM_DIRECTORY}
    assert stored(service, result.login.account.id) == before
    # the rest of the profile is the judge's own
    changed = judge.call("UpdateMyAccount", update_request(phone="02-1111-2222"))
    assert (changed.display_name, changed.phone) == ("王大明", "02-1111-2222")


def test_a_single_sign_on_account_has_no_password_here(service, sign_in, courts):
    result = judge_with_email(service, sign_in, courts)
    judge = service.client(result.login.access_token)
    before = stored(service, result.login.account.id)
    with pytest.raises(grpc.RpcError) as caught:
        judge.call(
            "ChangePassword",
            pb.ChangePasswordRequest(current_password="x", new_password="Judge-Wang-2026-new!"),
        )
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert caught.value.details() == PASSWORD_AT_PROVIDER
    assert stored(service, result.login.account.id) == before
    # not a wrong password: no failure for the login guard to count
    assert [success for _, success in service.login_records()] == [True]


def test_a_single_sign_on_account_gets_no_reset_link(service, sign_in, courts):
    """忘記密碼 must not give a directory account a password that would sign in without the
    directory; the reply is the same as for any address that does not match."""
    result = judge_with_email(service, sign_in, courts)
    service.client().call(
        "RequestPasswordReset",
        pb.RequestPasswordResetRequest(
            account_id=result.login.account.account_id, email="wang@courts.test"
        ),
    )
    assert service.events(pb.PasswordResetRequested) == []
