"""Who may call each RPC: read once from the contracts, checked before every handler.

Each RPC declares its callers in its .proto (`option (jes.options.v1.callers) = {...}`,
see protos/jes/options/v1/options.proto). A caller is the module or court system its
verified client certificate names (mutual TLS) plus, optionally, the person whose access
token it forwards. `CallPolicy.refusal` says why a caller may not call, or None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from jes.options.v1 import options_pb2
from jes_auth import Claims
from jes_auth.pki import PeerIdentity

__all__ = [
    "GATEWAY",
    "CallPolicy",
    "Caller",
    "MissingDeclaration",
    "courts_in_request",
    "policies_of",
    "service_descriptor",
]

# The module that serves the web and the API: the only one that calls for visitors.
GATEWAY = "gateway"


class MissingDeclaration(RuntimeError):
    """An RPC whose contract does not say who may call it: the server does not start."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: the module or court system of the verified client certificate,
    and the person whose access token it forwards (None: the module acts as itself)."""

    peer: PeerIdentity
    user: Claims | None = None

    @property
    def claims(self) -> Claims:
        """Who acts, as the use cases see it: the person, else the module or court system
        itself (a service acting as itself has no roles; a court system has the role
        "court-system" and its court)."""
        if self.user is not None:
            return self.user
        if self.peer.is_court_system:
            return Claims(
                subject=self.peer.name,
                kind="court-system",
                roles=frozenset({"court-system"}),
                court_code=self.peer.name,
                username=str(self.peer),
            )
        return Claims(subject=self.peer.name, kind="service")

    def __str__(self) -> str:
        return f"{self.peer} for {self.user.display_id}" if self.user else str(self.peer)


@dataclass(frozen=True)
class CallPolicy:
    """One RPC's declared callers (jes.options.v1.Callers)."""

    method: str  # /package.Service/Method
    services: frozenset[str] = frozenset()
    user_roles: frozenset[str] = frozenset()
    user_via: frozenset[str] = frozenset({GATEWAY})
    anonymous: bool = False
    court_field: str = ""

    @classmethod
    def of(cls, method: MethodDescriptor, service_name: str) -> CallPolicy:
        options = method.GetOptions()
        if not options.HasExtension(options_pb2.callers):
            raise MissingDeclaration(
                f"/{service_name}/{method.name} does not declare its callers "
                "(option (jes.options.v1.callers) in its .proto)"
            )
        declared = options.Extensions[options_pb2.callers]
        return cls(
            method=f"/{service_name}/{method.name}",
            services=frozenset(declared.services),
            user_roles=frozenset(declared.user_roles),
            user_via=frozenset(declared.user_via) or frozenset({GATEWAY}),
            anonymous=declared.anonymous,
            court_field=declared.court_field,
        )

    def refusal(self, caller: Caller, request: Any = None) -> str | None:
        """Why `caller` may not call (a sentence for the log), or None when it may.
        `request`: for a court system, the request whose court field must be its court."""
        peer, user = caller.peer, caller.user
        if peer.is_court_system:
            if user is not None:
                return "a court system calls with its certificate only, never a user token"
            if not self.court_field:
                return f"court systems may not call {self.method}"
            if request is not None:
                for court in courts_in_request(request, self.court_field):
                    if court != peer.name:
                        return (
                            f"court system {peer.name} may act only for its own court,"
                            f" not {court!r}"
                        )
            return None
        if self.anonymous and peer.name == GATEWAY:
            return None
        if user is None:
            if peer.name in self.services:
                return None
            return f"{peer} may not call {self.method} as itself"
        if peer.name not in self.user_via:
            return f"{peer} may not forward a user's token to {self.method}"
        if not self.user_roles & user.roles:
            return f"roles {sorted(user.roles)} may not call {self.method}"
        return None

    def takes_users_from(self, peer: PeerIdentity) -> bool:
        """A person's token forwarded by `peer` may be let in (some role may call)."""
        return peer.is_service and peer.name in self.user_via and bool(self.user_roles)

    def allows(self, caller: Caller, request: Any = None) -> bool:
        return self.refusal(caller, request) is None


def courts_in_request(request: Any, path: str) -> list[str]:
    """Every value of a dotted field path in a request message, a repeated message on the
    path followed into each element ("changes.case.court_code": one per change; none for
    a message with no changes, which then acts for no court)."""
    values: list[Any] = [request]
    for part in path.split("."):
        found: list[Any] = []
        for value in values:
            field = getattr(value, part)
            if _is_repeated(value, part):
                found.extend(field)
            else:
                found.append(field)
        values = found
    return [str(value).strip().upper() for value in values]


def _is_repeated(message: Any, name: str) -> bool:
    field = message.DESCRIPTOR.fields_by_name[name]
    return bool(field.is_repeated)


def service_descriptor(full_name: str) -> ServiceDescriptor:
    return descriptor_pool.Default().FindServiceByName(full_name)


def policies_of(service_names: Iterable[str]) -> Mapping[str, CallPolicy]:
    """/Service/Method -> its policy, for every RPC of the named services; raises
    MissingDeclaration for any RPC without one."""
    policies: dict[str, CallPolicy] = {}
    for name in service_names:
        service = service_descriptor(name)
        for method in service.methods:
            policy = CallPolicy.of(method, service.full_name)
            policies[policy.method] = policy
    return policies
