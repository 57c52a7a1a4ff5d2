"""A stand-in for the HiPKI cross-platform component (跨平台網頁元件) on localhost: the
same JSON protocol, signing with a soft token (SoftHSM2) instead of a card reader.

- GET /pkcs11info?withcert=true: the inserted card's certificates and card number.
- POST /sign (form field tbsPackage, the JSON {func: "MakeSignature", signatureType:
  "PKCS7", tbs, tbsEncoding: "NONE", hashAlgorithm: "SHA256", withCardSN, pin, nonce})
  answers {func: "sign", ret_code, signature, certb64, cardSN, last_error}; a wrong PIN
  is refused by the token (ret_code non-zero).
- GET /popupForm: the page modern browsers open; it asks its opener for the package by
  postMessage ({func: "getTbs"}), signs it through /sign and posts the answer back.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from support.cms_signing import Signer, signed_data
from support.soft_token import SoftTokens, WrongPin

RET_OK = 0
RET_WRONG_PIN = 0x76000304  # the stand-in's code; the page only tests non-zero
RET_BAD_REQUEST = 0x76000001
RET_NO_CARD = 0x76000002

POPUP_PAGE = """<!doctype html><html lang="zh-Hant"><meta charset="utf-8">
<title>簽章中</title><p>簽章中，請稍候…</p>
<script>
window.addEventListener("message", async (event) => {
  const reply = await fetch("/sign", {method: "POST",
    body: new URLSearchParams({tbsPackage: event.data})});
  const answer = await reply.text();
  window.opener.postMessage(answer, event.origin);
  window.close();
});
window.opener.postMessage(JSON.stringify({func: "getTbs"}), "*");
</script></html>"""


@dataclass
class InsertedCard:
    label: str  # the soft token
    serial: str  # the card number


@dataclass
class Component:
    tokens: SoftTokens
    card: InsertedCard | None = None
    url: str = ""
    signed: list[str] = field(default_factory=list)  # the tbs texts it signed

    def insert(self, label: str, serial: str) -> None:
        self.card = InsertedCard(label, serial)

    def info(self) -> dict[str, object]:
        if self.card is None:
            return {"func": "pkcs11info", "ret_code": RET_NO_CARD, "last_error": "未插入卡片"}
        certs = [
            {"usage": "digitalSignature", "certb64": base64.b64encode(der).decode()}
            for der in self.tokens.certificates(self.card.label)
        ]
        return {
            "func": "pkcs11info",
            "ret_code": RET_OK,
            "slots": [{"token": {"serialNumber": self.card.serial, "certs": certs}}],
        }

    def sign(self, package: dict[str, object]) -> dict[str, object]:
        def error(code: int, message: str) -> dict[str, object]:
            return {"func": "sign", "ret_code": code, "last_error": message}

        if self.card is None:
            return error(RET_NO_CARD, "未插入卡片")
        if (
            package.get("func") != "MakeSignature"
            or package.get("signatureType") != "PKCS7"
            or package.get("hashAlgorithm", "SHA256") != "SHA256"
        ):
            return error(RET_BAD_REQUEST, "不支援的簽章要求")
        tbs = str(package.get("tbs", "")).encode()
        pin = str(package.get("pin", ""))
        label = self.card.label
        certificate = self.tokens.certificates(label)[0]
        signer = Signer(certificate, lambda data: self.tokens.sign(label, pin, data))
        try:
            signature = signed_data(tbs, [signer])
        except WrongPin:
            return error(RET_WRONG_PIN, "PIN 碼錯誤")
        self.signed.append(tbs.decode())
        return {
            "func": "sign",
            "ret_code": RET_OK,
            "signature": base64.b64encode(signature).decode(),
            "certb64": base64.b64encode(certificate).decode(),
            "cardSN": self.card.serial,
            "last_error": "",
        }


class _Handler(BaseHTTPRequestHandler):
    component: Component

    def _json(self, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = urlparse(self.path)
        if path.path == "/pkcs11info":
            return self._json(self.component.info())
        if path.path == "/popupForm":
            data = POPUP_PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        self.send_error(404)
        return None

    def do_POST(self) -> None:
        if urlparse(self.path).path != "/sign":
            self.send_error(404)
            return
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        try:
            package = json.loads(form.get("tbsPackage", ["{}"])[0])
        except json.JSONDecodeError:
            package = {}
        self._json(self.component.sign(package if isinstance(package, dict) else {}))

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def local_component(tokens: SoftTokens, port: int = 0) -> Iterator[Component]:
    """The stand-in on 127.0.0.1 (`port` 0: a free one; the real one is on 61161)."""
    component = Component(tokens)
    handler = type("Handler", (_Handler,), {"component": component})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    component.url = f"http://localhost:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield component
    finally:
        server.shutdown()
        server.server_close()


@dataclass(frozen=True)
class SignAnswer:
    ret_code: int
    signature: bytes
    certificate: bytes
    last_error: str


def request_signature(component_url: str, tbs: str, pin: str) -> SignAnswer:
    """What a browser page does: POST the tbsPackage, read the answer."""
    import requests

    package = {
        "func": "MakeSignature",
        "signatureType": "PKCS7",
        "tbs": tbs,
        "tbsEncoding": "NONE",
        "hashAlgorithm": "SHA256",
        "withCardSN": "true",
        "pin": pin,
        "nonce": "",
    }
    reply = requests.post(
        f"{component_url}/sign", data={"tbsPackage": json.dumps(package)}, timeout=30
    ).json()
    return SignAnswer(
        ret_code=int(reply["ret_code"]),
        signature=base64.b64decode(reply.get("signature", "")),
        certificate=base64.b64decode(reply.get("certb64", "")),
        last_error=str(reply.get("last_error", "")),
    )
