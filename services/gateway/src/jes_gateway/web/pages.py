"""Public pages: home and the development mailbox."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, abort, jsonify, render_template, request

from jes_gateway.context import gateway
from jes_zhtw import PHOTO_SYSTEM_COURTS

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> Any:
    return render_template("home.html", courts=PHOTO_SYSTEM_COURTS)


@bp.get("/guide")
def guide() -> Any:
    """新手上路: how to get an account, log in and reach the systems."""
    return render_template("guide.html")


@bp.get("/dev/mailbox")
def mailbox() -> Any:
    """The local mailbox of development mode, so a developer can open mailed links; 404
    otherwise (it would show anyone every reset link)."""
    config = gateway().config
    if not config.dev_mailbox:
        abort(404)
    folder = Path(urlparse(config.platform.mail_url).path)
    mails = []
    files = folder.glob("*.eml") if folder.exists() else []
    for path in sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)[:100]:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = message.get_body(preferencelist=("plain",))
        mails.append(
            {
                "to": message["To"],
                "subject": message["Subject"],
                "date": message["Date"],
                "body": body.get_content() if body else "",
                # as the SMTP sink's API lists them (List-Unsubscribe, Message-ID, ...)
                "headers": [[name, str(value)] for name, value in message.items()],
            }
        )
    if request.accept_mimetypes.best == "application/json":
        return jsonify(messages=mails)
    return render_template("mailbox.html", mails=mails)
