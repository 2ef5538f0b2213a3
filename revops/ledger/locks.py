"""The ledger lock: the head row of one (organization, ledger), taken FOR UPDATE."""

from __future__ import annotations

from revops.ledger.chain import GENESIS_HASH
from revops.models import LedgerHead


def lock_ledger(*, organization_id: int, ledger: str) -> LedgerHead:
    """Lock (creating it on first use) the head row of one ledger of one organization.

    One writer at a time appends to a ledger's chain: the next sequence and the previous hash
    come from this row. Other ledgers of the organization have their own rows, so they are
    not blocked; nor is the organization row. Must run inside a transaction.

    Creation races are safe: `ignore_conflicts` makes a second creator wait for the first
    one's transaction (PostgreSQL's unique check) and then insert nothing.
    """
    head = (
        LedgerHead.objects.select_for_update().filter(organization_id=organization_id, ledger=ledger).first()
    )
    if head is None:
        LedgerHead.objects.bulk_create(
            [
                LedgerHead(
                    organization_id=organization_id, ledger=ledger, last_sequence=0, last_hash=GENESIS_HASH
                )
            ],
            ignore_conflicts=True,
        )
        head = LedgerHead.objects.select_for_update().get(organization_id=organization_id, ledger=ledger)
    return head
