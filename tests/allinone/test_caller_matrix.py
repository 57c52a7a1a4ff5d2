"""Every RPC of every service × every kind of caller, against the running all-in-one over
real mutual TLS: exactly the callers an RPC's contract declares get past the caller check.

Callers: each JES module's certificate acting as itself; a court system of the right
court and one of another court; each person's role (firm, clerk of the right court and
of another court, judge, admin) forwarded by the gateway and by every other module; the
gateway with a token that is not a JES user token; a certificate of another CA; and no
client certificate at all. What the contracts declare is read here on its own (not
through jes_grpckit.policy), so the check and its expectation are written twice.

Issue 9's figures (RPCs × callers tried, wrongful passes) are printed and kept in
`<data>/caller-matrix.json`.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import jwt
import pytest
import requests
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

import jes
from jes.identity.v1 import identity_pb2, identity_pb2_grpc
from jes.options.v1 import options_pb2
from jes_auth import Claims, DecisionBinding, KeyStore, TokenIssuer
from jes_grpckit import refusal_reason
from jes_platform.registry import MODULES
from support import callers, flows

RIGHT_COURT, OTHER_COURT = "TPD", "KLD"
# The caller check's refusals (jes_grpckit.server); any other outcome got past it.
POLICY_REFUSALS = {"CALLER_NOT_ALLOWED", "LOGIN_REQUIRED", "TOKEN_INVALID", "CALLER_UNKNOWN"}
MODULE_NAMES = [m.name for m in MODULES]
ROLES = {
    "firm": {"roles": ["firm"], "court_code": RIGHT_COURT},
    "clerk": {"roles": ["clerk"], "court_code": RIGHT_COURT},
    "clerk of another court": {"roles": ["clerk"], "court_code": OTHER_COURT},
    "judge": {"roles": ["judge"], "court_code": RIGHT_COURT},
    "prosecutor": {"roles": ["prosecutor"], "court_code": ""},
    "admin": {"roles": ["admin"], "court_code": ""},
    "member": {"roles": ["member"], "court_code": ""},  # registered by certificate
    "professional": {"roles": ["professional"], "court_code": ""},
    # the execution division's appraiser work (seed 003)
    "judicial officer": {"roles": ["judicial-officer"], "court_code": RIGHT_COURT},
    "records chief": {"roles": ["records-chief"], "court_code": RIGHT_COURT},
    "chief judge": {"roles": ["chief-judge"], "court_code": RIGHT_COURT},
    "committee member": {"roles": ["committee-member"], "court_code": RIGHT_COURT},
    "appraiser": {"roles": ["appraiser"], "court_code": RIGHT_COURT},
    "progress": {"roles": ["progress"], "court_code": ""},  # a litigant's case-progress account
}


def jes_services() -> list[ServiceDescriptor]:
    """Every gRPC service the contracts define (read from the generated descriptors)."""
    pool = descriptor_pool.Default()
    found = []
    for module in pkgutil.walk_packages(jes.__path__, "jes."):
        if module.name.endswith("_pb2"):
            file = importlib.import_module(module.name).DESCRIPTOR
            found += [pool.FindServiceByName(s.full_name) for s in file.services_by_name.values()]
    return found


def module_of(service: ServiceDescriptor) -> str:
    """jes.photo_storage.v1.PhotoStorageService -> photo-storage."""
    return service.full_name.split(".")[1].replace("_", "-")


@dataclass(frozen=True)
class Who:
    """One kind of caller: a certificate (module, court system, a stranger's, none) and
    maybe a person's token."""

    label: str
    module: str = ""  # a JES module's certificate
    court: str = ""  # a court system's certificate
    role: str = ""  # a person of this ROLES entry, forwarded by `module`
    stranger: bool = False  # a certificate of another CA
    bad_token: bool = False  # a token that is no JES user token


def everyone() -> list[Who]:
    kinds = [Who(f"{m} as itself", module=m) for m in MODULE_NAMES]
    kinds += [Who(f"court system {c}", court=c) for c in (RIGHT_COURT, OTHER_COURT)]
    kinds += [Who(f"{role} via {m}", module=m, role=role) for role in ROLES for m in MODULE_NAMES]
    kinds += [
        Who("gateway with a service-kind token", module="gateway", bad_token=True),
        Who("a certificate of another CA", stranger=True),
        Who("no client certificate"),
    ]
    return kinds


def declared(method: MethodDescriptor, who: Who) -> bool:
    """What the contract says, read directly: may `who` call `method`?"""
    callers_of = method.GetOptions().Extensions[options_pb2.callers]
    if who.stranger or who.bad_token or not (who.module or who.court):
        return False
    if who.court:  # the request names RIGHT_COURT in its court field
        return bool(callers_of.court_field) and who.court == RIGHT_COURT
    if callers_of.anonymous and who.module == "gateway":
        return True
    if not who.role:
        return who.module in callers_of.services
    via = list(callers_of.user_via) or ["gateway"]
    roles = set(ROLES[who.role]["roles"])
    return who.module in via and bool(roles & set(callers_of.user_roles))


def minimal_request(method: MethodDescriptor) -> Any:
    """An empty request, its court field (if the contract names one) set to RIGHT_COURT;
    a repeated message on the field's path gets one element ("changes.case.court_code":
    one change of RIGHT_COURT)."""
    from google.protobuf import message_factory

    request = message_factory.GetMessageClass(method.input_type)()
    field = method.GetOptions().Extensions[options_pb2.callers].court_field
    if field:
        target = request
        *parents, last = field.split(".")
        for part in parents:
            if target.DESCRIPTOR.fields_by_name[part].is_repeated:
                target = getattr(target, part).add()
            else:
                target = getattr(target, part)
        setattr(target, last, RIGHT_COURT)
    return request


@dataclass
class Outcome:
    passed: bool  # got past the caller check (answered, or refused by the handler)
    detail: str


class Matrix:
    def __init__(self, platform: flows.Platform, data: Path):
        self.platform = platform
        self.pki = data / "pki"
        issuer = TokenIssuer(KeyStore(data / "keys", create=False))
        self.tokens = {
            role: issuer.issue(f"matrix-{role}", **claims) for role, claims in ROLES.items()
        }
        forged = jwt.decode(issuer.issue("gateway"), options={"verify_signature": False})
        forged["kind"] = "service"  # what a service token used to be
        key = issuer.keys.current
        self.service_kind_token = jwt.encode(
            forged, key.private_key, algorithm="EdDSA", headers={"kid": key.kid}
        )
        self.stranger_pki = data / "stranger-pki"
        self.channels: dict[tuple[str, str], grpc.Channel] = {}

    def channel(self, who: Who, server: str) -> grpc.Channel:
        key = (who.module or who.court or ("stranger" if who.stranger else "none"), server)
        if key not in self.channels:
            addr = self.platform.addrs[server]
            options = [("grpc.ssl_target_name_override", server)]
            if who.stranger:
                tls = callers.identity(self.stranger_pki, "gateway")
            elif who.court:
                tls = callers.court_system(self.pki, who.court)
            elif who.module:
                tls = callers.identity(self.pki, who.module)
            else:
                ca = (self.pki / "ca" / "ca.crt").read_bytes()
                creds = grpc.ssl_channel_credentials(root_certificates=ca)
                self.channels[key] = grpc.secure_channel(addr, creds, options=options)
                return self.channels[key]
            self.channels[key] = grpc.secure_channel(addr, tls.channel_credentials(), options)
        return self.channels[key]

    def call(self, service: ServiceDescriptor, method: MethodDescriptor, who: Who) -> Outcome:
        channel = self.channel(who, module_of(service))
        path = f"/{service.full_name}/{method.name}"
        request = minimal_request(method)
        metadata = []
        if who.role:
            metadata.append(("authorization", f"Bearer {self.tokens[who.role]}"))
        if who.bad_token:
            metadata.append(("authorization", f"Bearer {self.service_kind_token}"))
        serialize = type(request).SerializeToString
        try:
            if method.client_streaming:
                rpc = channel.stream_unary(path, request_serializer=serialize)
                rpc(iter([request]), metadata=metadata, timeout=20)
            elif method.server_streaming:
                rpc = channel.unary_stream(path, request_serializer=serialize)
                list(rpc(request, metadata=metadata, timeout=20))
            else:
                rpc = channel.unary_unary(path, request_serializer=serialize)
                rpc(request, metadata=metadata, timeout=20)
        except grpc.RpcError as error:
            reason = refusal_reason(error)
            if reason in POLICY_REFUSALS:
                return Outcome(False, reason)
            if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                return Outcome(False, f"no connection ({error.code().name})")
            return Outcome(True, f"{error.code().name} from the handler")
        return Outcome(True, "OK")


@pytest.fixture(scope="module")
def data(platform: flows.Platform) -> Path:
    return platform.pki.parent


@pytest.fixture(scope="module")
def matrix(platform: flows.Platform, data: Path) -> Iterator[Matrix]:
    yield Matrix(platform, data)


def test_every_rpc_admits_exactly_its_declared_callers(matrix: Matrix, data: Path):
    services = jes_services()
    assert {module_of(s) for s in services} == {m.name for m in MODULES if m.kind == "service"}
    kinds = everyone()
    tried = passes = refused = 0
    wrongful_passes: list[str] = []
    wrongful_refusals: list[str] = []
    rpcs = 0
    for service in services:
        for method in service.methods:
            rpcs += 1
            for who in kinds:
                outcome = matrix.call(service, method, who)
                expected = declared(method, who)
                tried += 1
                passes += outcome.passed
                refused += not outcome.passed
                where = f"{service.name}.{method.name} by {who.label}: {outcome.detail}"
                if outcome.passed and not expected:
                    wrongful_passes.append(where)
                if expected and not outcome.passed:
                    wrongful_refusals.append(where)
    figures = {
        "rpcs": rpcs,
        "kinds_of_caller": len(kinds),
        "calls": tried,
        "passed_the_caller_check": passes,
        "refused_by_it": refused,
        "wrongful_passes": len(wrongful_passes),
        "wrongful_refusals": len(wrongful_refusals),
    }
    (data / "caller-matrix.json").write_text(json.dumps(figures, indent=2))
    print(f"\nRPC × caller matrix: {json.dumps(figures)}")
    assert wrongful_passes == []
    assert wrongful_refusals == []
    assert rpcs >= 40 and passes > 0 and refused > 0


# -- issue 9's examples, end to end ------------------------------------------------------


def test_a_court_system_cannot_list_firm_applications(matrix: Matrix):
    """Issue 9: a `court-system` token listed every firm application with e-mails and
    phones. A court system now has a certificate for its court and nothing more."""
    for court in (RIGHT_COURT, OTHER_COURT):
        stub = callers.client(
            matrix.pki,
            matrix.platform.addrs["identity"],
            identity_pb2_grpc.IdentityServiceStub,
            court_system_of=court,
        )
        with pytest.raises(grpc.RpcError) as caught:
            stub.stub.ListFirmApplications(
                identity_pb2.ListFirmApplicationsRequest(court_code=court)
            )
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert refusal_reason(caught.value) == "CALLER_NOT_ALLOWED"


def test_no_service_token_can_be_had_nor_used_as_a_bearer_on_the_api(matrix: Matrix):
    """Issue 9: with the shared secret anyone got a service token, which the public API
    took as a bearer token on /api/v1/submissions. There is no way to get one now, and a
    token of that kind (signed with identity's real key) is refused."""
    channel = matrix.channel(Who("gateway", module="gateway"), "identity")
    issue = channel.unary_unary("/jes.identity.v1.IdentityService/IssueServiceToken")
    with pytest.raises(grpc.RpcError) as caught:
        issue(b"", timeout=10)
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    reply = requests.get(
        f"{matrix.platform.base_url}/api/v1/submissions",
        headers={"Authorization": f"Bearer {matrix.service_kind_token}"},
        timeout=10,
    )
    assert reply.status_code == 401, reply.text


def test_a_decision_grant_is_no_bearer_token_anywhere(matrix: Matrix, data: Path):
    """A decision grant (signed with identity's real key, for a clerk) lets review-workflow
    carry out one decision; presented as a bearer token it is refused, on the public API
    and on any RPC, whoever forwards it."""
    issuer = TokenIssuer(KeyStore(data / "keys", create=False))
    clerk = Claims("matrix-clerk", "user", frozenset({"clerk"}), RIGHT_COURT)
    grant = issuer.issue_decision_grant(
        clerk,
        DecisionBinding("photo_set_review", "set", "print", "approve", "d-1", RIGHT_COURT),
        actor="review-workflow",
    )
    reply = requests.get(
        f"{matrix.platform.base_url}/api/v1/submissions",
        headers={"Authorization": f"Bearer {grant}"},
        timeout=10,
    )
    assert reply.status_code == 401, reply.text
    for module, server, method, request in [
        ("gateway", "review-workflow", "ListSubmissions", "ListSubmissionsRequest"),
        ("review-workflow", "photo-storage", "ApplyReviewDecision", "ApplyReviewDecisionRequest"),
        ("review-workflow", "identity", "ListFirmApplications", "ListFirmApplicationsRequest"),
    ]:
        name = server.replace("-", "_")
        pb = importlib.import_module(f"jes.{name}.v1.{name}_pb2")
        message = getattr(pb, request)()
        path = f"/{pb.DESCRIPTOR.package}.{next(iter(pb.DESCRIPTOR.services_by_name))}/{method}"
        rpc = matrix.channel(Who(module, module=module), server).unary_unary(
            path, request_serializer=type(message).SerializeToString
        )
        with pytest.raises(grpc.RpcError) as caught:
            rpc(message, metadata=[("authorization", f"Bearer {grant}")], timeout=20)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED, (server, method)
        assert refusal_reason(caught.value) == "TOKEN_INVALID"
