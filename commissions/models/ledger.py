"""The commission ledger on the core ledger kit: approved statement lines, reversals, seals, totals."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from commissions.models.statements import CommissionStatement
from revops.ledger.models import LedgerEntry, LedgerSeal, LedgerTotal
from revops.ledger.spec import LedgerSpec, Reference
from revops.models import ProductLine, User

LEDGER_NAME = "commissions"


class CommissionEntry(LedgerEntry):
    """One approved statement line's commission (an original), or its reversal by a correction.

    Posted in the statement month's period while it is open, else in the first open period; a
    reversal references the original it cancels (`corrects_id`) and carries its negated amount.
    """

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    product_line = models.ForeignKey(
        "revops.ProductLine", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField(help_text="The commission month (first day).")
    statement = models.ForeignKey(
        "commissions.CommissionStatement",
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
        db_constraint=False,
    )
    statement_line = models.ForeignKey(
        "commissions.StatementLine",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        help_text="The statement line this amount comes from.",
    )

    class Meta:
        ordering = ["organization", "sequence"]
        verbose_name_plural = "commission entries"
        constraints = LedgerEntry.base_constraints("commissionentry")
        indexes = [
            models.Index(fields=["organization", "period"], name="commentry_org_period"),
            models.Index(fields=["organization", "rep", "month"], name="commentry_org_rep_month"),
            models.Index(fields=["statement"], name="commentry_statement"),
        ]


class CommissionPeriodSeal(LedgerSeal):
    """The commission ledger's chain head when a period was closed."""

    class Meta(LedgerSeal.Meta):
        pass


class CommissionLedgerTotal(LedgerTotal):
    """Posted entries and cents per period × rep × product line × kind, kept by the writer."""

    period = models.ForeignKey(
        "revops.FiscalPeriod", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    product_line = models.ForeignKey(
        "revops.ProductLine", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    kind = models.CharField(max_length=12, choices=LedgerEntry.Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period", "rep", "product_line", "kind"], name="commtotal_one_per_key"
            ),
        ]


COMMISSION_LEDGER = LedgerSpec(
    name=LEDGER_NAME,
    label="Commissions",
    entry_model=CommissionEntry,
    seal_model=CommissionPeriodSeal,
    fields=("rep_id", "product_line_id", "month", "statement_id", "statement_line_id"),
    references=(
        Reference("rep_id", User, organization_field=None),
        Reference("product_line_id", ProductLine),
        Reference("statement_id", CommissionStatement),
    ),
    totals_model=CommissionLedgerTotal,
    totals_fields=("period_id", "rep_id", "product_line_id", "kind"),
)
