"""The ledger kit: append-only, keyed hash-chained ledgers for every app.

A ledger is declared by a `LedgerSpec` (spec.py) and registered from its app's
AppConfig.ready; its tables extend the abstract bases in `revops.ledger.models`. The kit
provides the rest: the head row that is both the lock and the chain head (locks.py), the
writer (writer.py: reference checks, chain, COPY), the period resolver (periods.py), period
seals (seal.py), verification (verify.py, `manage.py verify_ledger`) and the append-only
triggers (triggers.py, used from migrations).

Only dependency-free names are exported here, so migrations can import `revops.ledger`
before the app registry is ready.
"""

from revops.ledger.chain import GENESIS_HASH, ChainBreak
from revops.ledger.spec import LedgerSpec, Reference, ledger_spec, register_ledger, registered_ledgers
from revops.ledger.triggers import APPEND_ONLY_MESSAGE, AppendOnly, append_only_sql, drop_append_only_sql

__all__ = [
    "APPEND_ONLY_MESSAGE",
    "GENESIS_HASH",
    "AppendOnly",
    "ChainBreak",
    "LedgerSpec",
    "Reference",
    "append_only_sql",
    "drop_append_only_sql",
    "ledger_spec",
    "register_ledger",
    "registered_ledgers",
]
