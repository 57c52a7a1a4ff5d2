"""The development-mode hooks of the registry, run against the real modules they belong to."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from jes_db import Database, run_migrations
from jes_platform.registry import MODULES
from jes_platform.runtime import load_function


def test_every_hook_is_importable() -> None:
    for mod in MODULES:
        for hook in mod.dev_mode_hooks:
            assert callable(load_function(hook)), hook


def test_identity_s_hook_seeds_the_demo_accounts_once_and_names_them(tmp_path: Path) -> None:
    from jes_identity.app import MIGRATIONS
    from jes_identity.models import Account

    url = f"sqlite:///{tmp_path}/identity.db"
    run_migrations(url, MIGRATIONS)
    db = Database(url)
    try:
        started_identity = SimpleNamespace(db=db)  # what the hook uses of the ServiceKit
        hook = load_function("jes_identity.demo:seed_demo_accounts")
        lines = hook(started_identity)
        assert lines == [
            "Demo logins (password Demo1234!):",
            "  ADMIN        系統管理者",
            "  TPDCLERK     臺北地院 陳書記官",
            "  KLDCLERK     基隆地院 林書記官",
            "  KSDCLERK     高雄地院 黃書記官",
            "  KLDOFFICER   基隆地院 王司法事務官",
            "  KLDCHIEF     基隆地院 張科長",
            "  KLDJUDGE     基隆地院 李庭長",
            "  KLDMEMBER1   基隆地院 周委員",
            "  KLDMEMBER2   基隆地院 吳委員",
            "  KLDAPPRAISER 甲估價師事務所 李估價師",
            "  DEMOFIRM     大安不動產估價師事務所",
            "  DEMOPROGRESS 陳小明",
        ]
        assert hook(started_identity) == lines  # a second start finds them again
        with db.transaction() as session:
            ids = sorted(session.scalars(select(Account.account_id)))
        assert ids == [
            "ADMIN",
            "DEMOFIRM",
            "DEMOPROGRESS",
            "KLDAPPRAISER",
            "KLDCHIEF",
            "KLDCLERK",
            "KLDJUDGE",
            "KLDMEMBER1",
            "KLDMEMBER2",
            "KLDOFFICER",
            "KSDCLERK",
            "TPDCLERK",
        ]
    finally:
        db.dispose()
