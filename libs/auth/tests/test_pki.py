"""The internal CA: one certificate per module and per court system, private keys 0600."""

from pathlib import Path

import pytest
from cryptography import x509

from jes_auth.pki import (
    CertificateAuthority,
    PeerIdentity,
    court_system_uri,
    ensure_identity,
    parse_identity,
    service_uri,
)


def sans(folder: Path) -> tuple[list[str], list[str]]:
    cert = x509.load_pem_x509_certificate((folder / "tls.crt").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return (
        names.get_values_for_type(x509.UniformResourceIdentifier),
        names.get_values_for_type(x509.DNSName),
    )


def test_a_service_certificate_names_the_service(tmp_path: Path):
    folder = ensure_identity(tmp_path, PeerIdentity("service", "photo-storage"))
    assert sans(folder) == (["spiffe://jes/service/photo-storage"], ["photo-storage"])
    assert (folder / "tls.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "ca" / "ca.key").stat().st_mode & 0o777 == 0o600
    assert (folder / "ca.crt").read_bytes() == (tmp_path / "ca" / "ca.crt").read_bytes()


def test_a_court_system_certificate_carries_its_court_and_no_host_name(tmp_path: Path):
    folder = ensure_identity(tmp_path, PeerIdentity("court-system", "TPD"))
    assert folder.name == "court-system-TPD"
    assert sans(folder) == (["spiffe://jes/court-system/TPD"], [])


def test_the_ca_is_made_once_and_certificates_are_kept(tmp_path: Path):
    first = CertificateAuthority.init(tmp_path / "ca")
    folder = ensure_identity(tmp_path, PeerIdentity("service", "identity"))
    before = (folder / "tls.crt").read_bytes()
    assert CertificateAuthority.init(tmp_path / "ca").pem == first.pem
    ensure_identity(tmp_path, PeerIdentity("service", "identity"))
    assert (folder / "tls.crt").read_bytes() == before


@pytest.mark.parametrize(
    ("uri", "identity"),
    [
        ("spiffe://jes/service/gateway", PeerIdentity("service", "gateway")),
        ("spiffe://jes/court-system/KLD", PeerIdentity("court-system", "KLD")),
        ("spiffe://jes/court-system/kld", None),
        ("spiffe://other/service/gateway", None),
        ("spiffe://jes/admin/root", None),
        ("https://jes/service/gateway", None),
    ],
)
def test_only_jes_identities_are_read_from_certificates(uri, identity):
    assert parse_identity(uri) == identity


@pytest.mark.parametrize("bad", ["", "TPD/../x", "tpd", "A"])
def test_court_codes_are_checked(bad):
    with pytest.raises(ValueError):
        court_system_uri(bad)
    with pytest.raises(ValueError):
        service_uri(bad.upper() or "/")
