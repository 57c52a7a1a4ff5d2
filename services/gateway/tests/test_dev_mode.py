"""The development mailbox (/dev/mailbox shows every mailed link, password resets
included, to anyone) exists only in development mode, which is asked for explicitly."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from jes_gateway.app import create_app
from jes_gateway.config import GatewayConfig

RESET_LINK = "http://127.0.0.1:8080/password/set?token=secret-reset-token"


def mailbox_with_admins_reset(data: Path) -> None:
    folder = data / "mailbox"
    folder.mkdir(parents=True)
    mail = EmailMessage()
    mail["To"], mail["Subject"] = "admin@jes.example", "【司法院】重新設定密碼"
    mail.set_content(f"系統管理者 您好：\n{RESET_LINK}\n")
    (folder / "reset.eml").write_bytes(bytes(mail))


def get_mailbox(environ: dict[str, str], services) -> tuple[int, str]:
    app = create_app(GatewayConfig.load(environ), backends=services)
    app.config["TESTING"] = True
    client = app.test_client()
    answer = client.get("/dev/mailbox", headers={"Accept": "application/json"})
    home = client.get("/").get_data(as_text=True)
    return answer.status_code, answer.get_data(as_text=True) + home


def test_without_development_mode_the_admins_reset_link_cannot_be_read(tmp_path, services):
    mailbox_with_admins_reset(tmp_path)
    status, text = get_mailbox({"JES_DATA_DIR": str(tmp_path)}, services)
    assert status == 404
    assert "secret-reset-token" not in text and "/dev/mailbox" not in text


def test_development_mode_shows_the_mailbox(tmp_path, services):
    mailbox_with_admins_reset(tmp_path)
    status, text = get_mailbox({"JES_DATA_DIR": str(tmp_path), "JES_DEV_MODE": "1"}, services)
    assert status == 200
    assert "secret-reset-token" in text and "/dev/mailbox" in text


def test_the_production_charts_environment_serves_no_mailbox(tmp_path, services):
    """What the gateway chart's ConfigMap sets (charts/common/templates/_config.tpl): it
    names no mail server, so the mail URL is the embedded default, yet no mailbox."""
    data = tmp_path / "jes"
    mailbox_with_admins_reset(data)
    chart_environ = {
        "JES_BIND_HOST": "0.0.0.0",
        "JES_DATA_DIR": str(data),
        "JES_LOG_LEVEL": "INFO",
        "JES_PUBLIC_URL": "https://jes.example",
        "JES_HTTP_PORT": "8080",
        "JES_MAX_UPLOAD_MB": "30",
        "JES_OBJECT_STORE_URL": "http://minio:9000",
        "JES_SERVICE_SECRET": "s" * 40,
        "JES_SECRET_KEY": "k" * 48,
    }
    status, text = get_mailbox(chart_environ, services)
    assert status == 404 and "secret-reset-token" not in text
