"""An appraiser's whole journey in all-in-one mode, through the public API with the demo
accounts of Keelung's court (support/appraiser_journeys.py; the same journey runs in
distributed mode in tests/integration/test_appraiser_journey.py)."""

from __future__ import annotations

from support import flows
from support.allinone import DEMO_PASSWORD
from support.appraiser_journeys import Keelung, application_to_roster_to_report_to_disqualification

DEMO_KEELUNG = Keelung(
    accounts={
        "appraiser": "KLDAPPRAISER",
        "chief": "KLDCHIEF",
        "judge": "KLDJUDGE",
        "member1": "KLDMEMBER1",
        "member2": "KLDMEMBER2",
        "clerk": "KLDCLERK",
        "officer": "KLDOFFICER",
    },
    password=DEMO_PASSWORD,
    appraiser_email="appraiser.kld@jes.example",
)


def test_application_to_roster_to_report_to_disqualification(platform: flows.Platform):
    application_to_roster_to_report_to_disqualification(platform, DEMO_KEELUNG)
