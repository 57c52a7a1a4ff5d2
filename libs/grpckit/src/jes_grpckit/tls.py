"""Mutual TLS for every gRPC connection: who a module is, and who called.

A `TlsIdentity` is one module's certificate, key and the JES CA. Servers require a client
certificate signed by the CA; clients check that the server holds the certificate of the
service they meant to reach. The caller's identity is read from its verified certificate
(`peer_of(context)`), never from anything the caller sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc

from jes_auth.pki import PeerIdentity, ensure_identity, parse_identity
from jes_config import TlsFiles

__all__ = ["PeerIdentity", "TlsIdentity", "peer_of"]


@dataclass(frozen=True)
class TlsIdentity:
    """A module's (or a court system's) certificate chain, private key and trusted CA."""

    certificate_chain: bytes
    private_key: bytes
    root_certificates: bytes

    @classmethod
    def from_files(cls, cert: Path, key: Path, ca: Path) -> TlsIdentity:
        return cls(cert.read_bytes(), key.read_bytes(), ca.read_bytes())

    @classmethod
    def from_folder(cls, folder: Path) -> TlsIdentity:
        """A folder laid out as cert-manager writes a Secret: tls.crt, tls.key, ca.crt."""
        return cls.from_files(folder / "tls.crt", folder / "tls.key", folder / "ca.crt")

    @classmethod
    def load(cls, files: TlsFiles, name: str) -> TlsIdentity:
        """`files` from the configuration; local ones are issued on first use."""
        if files.local:
            ensure_identity(files.cert.parent.parent, PeerIdentity("service", name))
        return cls.from_files(files.cert, files.key, files.ca)

    def server_credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.private_key, self.certificate_chain)],
            root_certificates=self.root_certificates,
            require_client_auth=True,
        )

    def channel_credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self.root_certificates,
            private_key=self.private_key,
            certificate_chain=self.certificate_chain,
        )


def peer_of(context: grpc.ServicerContext) -> PeerIdentity | None:
    """The caller named by its verified client certificate (its SPIFFE URI SAN)."""
    auth = context.auth_context() or {}
    for uri in auth.get("peer_spiffe_id", []) or auth.get("x509_subject_alternative_name", []):
        identity = parse_identity(uri.decode() if isinstance(uri, bytes) else str(uri))
        if identity is not None:
            return identity
    return None
