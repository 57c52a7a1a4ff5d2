"""Identity's rules, free of transport and storage: application statuses and their
transitions, validation of what users type, the password policy, lockout and rate-limit
decisions, firm account ids, who may do what, and the audit actions' labels.

Everything here raises `jes_domain` errors and is tested without a server
(tests/test_domain_*.py); the use cases (jes_identity.usecases) apply it in transactions.
"""
