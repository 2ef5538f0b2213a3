"""Fiscal periods seen from the attribution ledger: the kit's resolver (first open period).

Sealing on close is the kit's too (revops.ledger.seal, run for every registered ledger).
"""

from revops.ledger.periods import PeriodResolver

__all__ = ["PeriodResolver"]
