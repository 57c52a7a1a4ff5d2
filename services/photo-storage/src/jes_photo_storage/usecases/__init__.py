"""Photo-storage's use cases: each public function is one transaction (the change, its
audit entry and its events together), called by the gRPC module with the caller's claims.

Rules every change follows:

* Only the firm that owns a set (in its own court) changes it; the caller names the set
  version it saw (expected_version) and a stale one is ABORTED.
* An approved set is locked.
* Objects are written before the database commit and deleted again if the commit fails;
  objects a change makes unreferenced are deleted only after the commit (storage.py).
* After the first print every change voids the print (domain/status.py) and is
  audit-logged with its before and after.
"""
