"""Demo data for development mode: an administrator, clerks of a few courts, Keelung's
judicial affairs officer, records chief and an appraiser, a firm.

identity's development-mode hook (jes_platform's registry): the runtime calls
`seed_demo_accounts` once identity has started, only in development mode (`jes run --dev`,
which `make run` asks for and which is refused on a non-loopback address). A real
installation gets its first administrator with `jes create-admin` instead.
"""

from __future__ import annotations

from typing import Any

from jes_db import Database

# Demo only: printed at start of development mode, never used in a real installation.
DEMO_PASSWORD = "Demo1234!"  # noqa: S105

DEMO_ACCOUNTS = [
    ("ADMIN", "系統管理者", "admin@jes.example", ["admin"], ""),
    ("TPDCLERK", "臺北地院 陳書記官", "clerk.tpd@jes.example", ["clerk"], "TPD"),
    ("KLDCLERK", "基隆地院 林書記官", "clerk.kld@jes.example", ["clerk"], "KLD"),
    ("KSDCLERK", "高雄地院 黃書記官", "clerk.ksd@jes.example", ["clerk"], "KSD"),
    # Keelung's execution division for the appraiser pages (seed 003)
    ("KLDOFFICER", "基隆地院 王司法事務官", "officer.kld@jes.example", ["judicial-officer"], "KLD"),
    ("KLDCHIEF", "基隆地院 張科長", "records.kld@jes.example", ["records-chief"], "KLD"),
    # ... and its appraiser qualification committee: the chief judge (chair) and two members
    ("KLDJUDGE", "基隆地院 李庭長", "judge.kld@jes.example", ["chief-judge"], "KLD"),
    ("KLDMEMBER1", "基隆地院 周委員", "member1.kld@jes.example", ["committee-member"], "KLD"),
    ("KLDMEMBER2", "基隆地院 吳委員", "member2.kld@jes.example", ["committee-member"], "KLD"),
    # an appraiser of Keelung's roster, for their own deadlines (/appraisers/my-work)
    ("KLDAPPRAISER", "甲估價師事務所 李估價師", "appraiser.kld@jes.example", ["appraiser"], "KLD"),
    ("DEMOFIRM", "大安不動產估價師事務所", "firm@jes.example", ["firm"], "TPD"),
    # a case-progress account (案件進度查詢帳號), to bind to a portal account (帳號綁定)
    ("DEMOPROGRESS", "陳小明", "progress@jes.example", ["progress"], ""),
]


def seed(identity_db: Database) -> list[tuple[str, str]]:
    """Create the demo accounts (idempotent); returns (account id, what it is) pairs."""
    from jes_identity.app import ensure_account

    for account_id, name, email, roles, court in DEMO_ACCOUNTS:
        ensure_account(
            identity_db,
            account_id=account_id,
            password=DEMO_PASSWORD,
            display_name=name,
            email=email,
            roles=roles,
            court_code=court,
        )
    return [(account_id, name) for account_id, name, *_ in DEMO_ACCOUNTS]


def seed_demo_accounts(kit: Any) -> list[str]:
    """Seed the demo accounts into the started identity; the welcome text's lines."""
    accounts = seed(kit.db)
    lines = [f"Demo logins (password {DEMO_PASSWORD}):"]
    width = max(len(account_id) for account_id, _ in accounts)
    lines += [f"  {account_id:<{width}} {name}" for account_id, name in accounts]
    return lines
