"""Row locks that serialise attribution writes (select_for_update; ordered by pk when several)."""

from __future__ import annotations

from attribution.models.ledger import LEDGER_NAME
from revops.ledger import locks
from revops.models import Account, LedgerHead, Opportunity


def lock_ledger(*, organization_id: int) -> LedgerHead:
    """Lock the attribution ledger's head row: one writer at a time appends to its chain.

    The chain needs the previous entry's hash and the next sequence; two concurrent posters
    would otherwise read the same head. The period-close seal takes the same lock. Other
    ledgers of the organization (commissions...) and the organization row stay unlocked.
    """
    return locks.lock_ledger(organization_id=organization_id, ledger=LEDGER_NAME)


def lock_account(*, account_id: int) -> Account:
    """Lock an account before summing its partner splits (the 100 % cap)."""
    return Account.objects.select_for_update().get(pk=account_id)


def lock_opportunity(*, opportunity_id: int) -> Opportunity:
    """Lock a deal while its partner links change."""
    return Opportunity.objects.select_for_update().get(pk=opportunity_id)
