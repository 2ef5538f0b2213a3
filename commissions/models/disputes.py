"""Disputes a rep raises on a statement line, and the adjustments finance makes to settle them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from revops.models import OrganizationOwnedModel


class CommissionAdjustment(OrganizationOwnedModel):
    """An amount added to a rep's commission for one product line and month, with its reason.

    An input of the computation (the engine's `adjustments`): the next computation of the
    month carries it into the statement, and an approved statement gets it as a correction
    through the ledger. Append-only: a wrong adjustment is undone by an opposite one.
    """

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    product_line = models.ForeignKey("revops.ProductLine", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="First day of the month.")
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "month"], name="commadjust_org_month")]

    def __str__(self) -> str:
        return f"{self.rep} {self.product_line} {self.month:%Y-%m}: {self.amount}"


class DisputeKind(models.TextChoices):
    MISSING_SALE = "missing_sale", "A sale is missing"
    WRONG_AMOUNT = "wrong_amount", "An amount is wrong"
    WRONG_RATE = "wrong_rate", "The rate or tier is wrong"
    OTHER = "other", "Something else"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved with an adjustment"
    REJECTED = "rejected", "Rejected"


class StatementDispute(OrganizationOwnedModel):
    """A rep's flag on a statement line ("this sale is missing"), and how finance settled it."""

    statement = models.ForeignKey(
        "commissions.CommissionStatement", on_delete=models.PROTECT, related_name="disputes"
    )
    line = models.ForeignKey("commissions.StatementLine", on_delete=models.PROTECT, related_name="disputes")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=DisputeKind.choices)
    comment = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    resolution = models.TextField(max_length=2000, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    adjustment = models.ForeignKey(
        CommissionAdjustment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"], name="dispute_org_status")]

    def __str__(self) -> str:
        return f"dispute {self.pk} on {self.statement} ({self.status})"
