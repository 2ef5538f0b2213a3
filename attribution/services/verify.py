"""Verify an organization's attribution ledger with the kit (chain, keys, head, seals, totals)."""

from __future__ import annotations

from attribution.models.ledger import ATTRIBUTION_LEDGER
from revops.ledger.verify import LedgerReport
from revops.ledger.verify import ledger_verify as kit_ledger_verify
from revops.models import Organization

__all__ = ["LedgerReport", "ledger_verify"]


def ledger_verify(*, organization: Organization) -> LedgerReport:
    """The kit's verification of the attribution ledger (see revops.ledger.verify)."""
    return kit_ledger_verify(spec=ATTRIBUTION_LEDGER, organization=organization)
