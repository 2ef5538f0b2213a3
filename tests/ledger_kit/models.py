"""A small ledger of its own: two fields, a seal, a totals table — and nothing else.

Everything a ledger guarantees (append-only triggers, keyed chain, verify, seals, closed
periods, the head lock) comes from revops.ledger; this module only declares the shape.
"""

from django.db import models

from revops.ledger import LedgerSpec, Reference
from revops.ledger.models import LedgerEntry, LedgerSeal, LedgerTotal
from revops.models import Partner


class KitEntry(LedgerEntry):
    partner = models.ForeignKey(
        "revops.Partner", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    account_code = models.CharField(max_length=20)
    memo = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = LedgerEntry.base_constraints("kitentry")


class KitSeal(LedgerSeal):
    class Meta(LedgerSeal.Meta):
        pass


class KitTotal(LedgerTotal):
    period = models.ForeignKey("revops.FiscalPeriod", on_delete=models.PROTECT, related_name="+")
    account_code = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period", "account_code"], name="kittotal_one_per_key"
            )
        ]


TEST_LEDGER = LedgerSpec(
    name="kit_test",
    entry_model=KitEntry,
    seal_model=KitSeal,
    fields=("partner_id", "account_code", "memo"),
    references=(Reference("partner_id", Partner),),
    totals_model=KitTotal,
    totals_fields=("period_id", "account_code"),
)
