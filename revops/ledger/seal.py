"""Sealing a closed period: each registered ledger records its chain head, count and total."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum

from revops.ledger.locks import lock_ledger
from revops.ledger.spec import LedgerSpec, registered_ledgers
from revops.models import FiscalPeriod


def ledger_period_seal(*, spec: LedgerSpec, period: FiscalPeriod, actor=None):
    """Record one ledger's head, entry count and total for a period being closed.

    Runs inside period_close's transaction, under the ledger's lock, so no entry of this
    ledger can be posted between reading the head and the period turning closed; other
    ledgers are sealed under their own locks.
    """
    head = lock_ledger(organization_id=period.organization_id, ledger=spec.name)
    totals = spec.entry_model.objects.filter(
        organization_id=period.organization_id, period_id=period.pk
    ).aggregate(n=Count("id"), total=Sum("amount"))
    return spec.seal_model.objects.create(
        organization_id=period.organization_id,
        period=period,
        last_sequence=head.last_sequence,
        last_hash=head.last_hash,
        entry_count=totals["n"] or 0,
        total_amount=totals["total"] or Decimal("0.00"),
        sealed_by=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
    )


def ledgers_period_seal_hook(period: FiscalPeriod, actor) -> None:
    """The period-close hook (revops.services.periods.PERIOD_CLOSE_HOOKS): seal every ledger."""
    for spec in registered_ledgers():
        ledger_period_seal(spec=spec, period=period, actor=actor)
