"""Identity's use cases: each public method is one transaction that applies the domain
rules, changes the tables, records the audit entry and adds the event to the outbox.

They take plain values and the verified caller, and return contract messages; the gRPC
module (jes_identity.grpc_api) only parses requests, calls them and maps the results.
"""

from jes_identity.usecases.accounts import Accounts
from jes_identity.usecases.applications import Applications
from jes_identity.usecases.binding import AccountBindings
from jes_identity.usecases.codes import EmailCodes
from jes_identity.usecases.common import Infrastructure
from jes_identity.usecases.email_change import EmailChange
from jes_identity.usecases.grants import DecisionGrants
from jes_identity.usecases.login import LoginResult, Sessions
from jes_identity.usecases.recovery import Recovery
from jes_identity.usecases.sessions import AccountSessions, start_session
from jes_identity.usecases.sign_in import ProviderSignIn, SignInResult

__all__ = [
    "AccountBindings",
    "AccountSessions",
    "Accounts",
    "Applications",
    "DecisionGrants",
    "EmailChange",
    "EmailCodes",
    "Infrastructure",
    "LoginResult",
    "ProviderSignIn",
    "Recovery",
    "Sessions",
    "SignInResult",
    "start_session",
]
