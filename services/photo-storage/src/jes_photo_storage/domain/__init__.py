"""Photo-storage's rules, free of transports and storage: the set's status machine
(status.py), input validation (validation.py), who may see or change a set (access.py),
the completeness checklist, photo ordering, print fingerprints and diffs, and the names
and labels of the vocabulary. Everything here raises `jes_domain` errors and is tested
without a server."""
