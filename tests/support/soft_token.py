"""A real PIN-protected PKCS#11 token (Debian's SoftHSM2) standing in for a citizen's
card: one token per card, holding the card's signing key and certificate. Driven through
python-pkcs11, as the HiPKI component drives a reader.

SoftHSM2 reads its configuration once per process, so every token of a test run lives in
one folder (`SoftTokens.shared()`), under the test run's temporary folder."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pkcs11
from cryptography.hazmat.primitives import serialization
from pkcs11 import Attribute, Mechanism, ObjectClass
from pkcs11.util.rsa import decode_rsa_private_key
from pkcs11.util.x509 import decode_x509_certificate

from support.card_pki import Card

SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"
SO_PIN = "87654321"


class WrongPin(Exception):
    """The token refused the PIN (C_Login: CKR_PIN_INCORRECT)."""


class SoftTokens:
    _shared: SoftTokens | None = None
    # Every token of the process lives in one folder: labels come from one counter, or
    # two test modules' "card-1" would both match (MultipleTokensReturned).
    _labels = itertools.count(1)

    @classmethod
    def new_label(cls) -> str:
        return f"card-{next(cls._labels)}"

    def __init__(self, folder: Path):
        self.folder = folder
        (folder / "tokens").mkdir(parents=True, exist_ok=True)
        self.conf = folder / "softhsm2.conf"
        self.conf.write_text(
            f"directories.tokendir = {folder / 'tokens'}\n"
            "objectstore.backend = file\nlog.level = ERROR\n"
        )
        os.environ["SOFTHSM2_CONF"] = str(self.conf)
        self.lib = pkcs11.lib(SOFTHSM_LIBRARY)

    @classmethod
    def shared(cls) -> SoftTokens:
        if cls._shared is None:
            if not Path(SOFTHSM_LIBRARY).exists() or not shutil.which("softhsm2-util"):
                raise RuntimeError("SoftHSM2 is missing: `make test-deps` installs softhsm2")
            folder = Path(tempfile.mkdtemp(prefix="jes-softhsm-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)  # the keys go too
            cls._shared = cls(folder)
        return cls._shared

    def insert(self, card: Card, pin: str, label: str) -> str:
        """A new token `label` (at most 32 characters) holding the card; returns the
        token's serial number (the card number the component reports)."""
        subprocess.run(
            [
                "softhsm2-util", "--init-token", "--free", "--label", label,
                "--pin", pin, "--so-pin", SO_PIN,
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "SOFTHSM2_CONF": str(self.conf)},
        )  # fmt: skip
        self.lib.reinitialize()
        token = self.lib.get_token(token_label=label)
        key_der = card.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        key_id = card.certificate.serial_number.to_bytes(8, "big")
        with token.open(rw=True, user_pin=pin) as session:
            attributes = decode_rsa_private_key(key_der)
            attributes.update(
                {
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.SIGN: True,
                    Attribute.ID: key_id,
                    Attribute.LABEL: "signing key",
                }
            )
            session.create_object(attributes)
            certificate = decode_x509_certificate(card.der)
            certificate.update({Attribute.TOKEN: True, Attribute.ID: key_id})
            session.create_object(certificate)
        return str(
            token.serial.decode().strip() if isinstance(token.serial, bytes) else token.serial
        )

    def certificates(self, label: str) -> list[bytes]:
        """The certificates on the token (public objects: no PIN needed)."""
        token = self.lib.get_token(token_label=label)
        with token.open() as session:
            return [
                bytes(c[Attribute.VALUE])
                for c in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
            ]

    def sign(self, label: str, pin: str, data: bytes) -> bytes:
        """SHA-256 with RSA PKCS#1 v1.5 by the token's key, after the PIN opens it."""
        token = self.lib.get_token(token_label=label)
        try:
            session = token.open(user_pin=pin)
        except (pkcs11.PinIncorrect, pkcs11.PinLenRange) as exc:
            raise WrongPin(type(exc).__name__) from None
        with session:
            key = session.get_key(ObjectClass.PRIVATE_KEY)
            return bytes(key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS))
