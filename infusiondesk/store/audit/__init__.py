"""The audit trail (21 CFR Part 11 style), inside the store that writes it: an append-only, hash-chained log of
who did what, when.

    events.py       AuditEvent: every event name, once
    chain.py        the hash chain: append an entry in the caller's transaction, the head, row hashes
    trail.py        record changes (fields before; "after" rebuilt on reading), checkpoints written and read
    log.py          `store.audit`: append, entries, the near-miss report, checkpoint, verify
    verify.py       `audit verify`: the chain, every record against it, the signed notes, the checkpoints
    notes.py        the signed-note checks `verify` runs
    checkpoints.py  the chain head signed by a key the database alone cannot use

Nothing here imports `infusiondesk.store.store` (an import-linter contract): the store uses the audit code, never
the other way round. Importing this package loads nothing: take the module you need.
"""
