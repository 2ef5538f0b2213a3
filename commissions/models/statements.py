"""Commission statements: one per rep and month (a new revision for each correction), with lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from commissions.models.plans import ObjectivePeriod, Semantics
from revops.models import OrganizationOwnedModel


class StatementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"


class CommissionStatement(OrganizationOwnedModel):
    """What a rep earns for one month, per product line; draft → approved (manager) → paid (finance).

    A draft is recomputed freely. An approved statement is frozen and posted to the commission
    ledger; when a later computation differs, the change becomes a new revision (a draft that
    `corrects` it), whose approval reverses the earlier revision's entries and posts the new
    lines, in the first open period.
    """

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="First day of the month.")
    revision = models.PositiveIntegerField(default=1)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    status = models.CharField(max_length=10, choices=StatementStatus.choices, default=StatementStatus.DRAFT)
    currency = models.CharField(max_length=3)
    sales_actual = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    commission_base = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    computed_at = models.DateTimeField()
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-month", "rep", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "rep", "month", "revision"], name="statement_unique_revision"
            ),
            models.UniqueConstraint(
                fields=["organization", "rep", "month"],
                condition=models.Q(status="draft"),
                name="statement_one_draft",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "month", "status"], name="statement_org_month_status")
        ]

    def __str__(self) -> str:
        return f"{self.rep} {self.month:%Y-%m} r{self.revision} ({self.status})"


class StatementLine(models.Model):
    """One product line of a statement: the engine's figures for rep × product line × month."""

    statement = models.ForeignKey(CommissionStatement, on_delete=models.CASCADE, related_name="lines")
    product_line = models.ForeignKey("revops.ProductLine", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey("commissions.CommissionPlan", on_delete=models.PROTECT, related_name="+")
    plan_version = models.PositiveIntegerField()
    semantics = models.CharField(max_length=12, choices=Semantics.choices)
    objective_period = models.CharField(max_length=8, choices=ObjectivePeriod.choices)
    transactions = models.PositiveIntegerField()
    sales_actual = models.DecimalField(max_digits=18, decimal_places=2)
    revenue_actual = models.DecimalField(max_digits=18, decimal_places=2)
    commission_base = models.DecimalField(max_digits=18, decimal_places=2)
    objective = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    window_objective = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    window_base = models.DecimalField(max_digits=18, decimal_places=2)
    attainment_percent = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    tier = models.PositiveSmallIntegerField()
    tier2_date = models.DateField(null=True, blank=True)
    tier1_rate = models.DecimalField(max_digits=7, decimal_places=4)
    tier2_rate = models.DecimalField(max_digits=7, decimal_places=4)
    tier1_commission = models.DecimalField(max_digits=18, decimal_places=2)
    tier2_commission = models.DecimalField(max_digits=18, decimal_places=2)
    true_up = models.DecimalField(max_digits=18, decimal_places=2)
    adjustments = models.DecimalField(max_digits=18, decimal_places=2)
    total = models.DecimalField(max_digits=18, decimal_places=2)
    ytd_sales = models.DecimalField(max_digits=18, decimal_places=2)
    ytd_commission = models.DecimalField(max_digits=18, decimal_places=2)
    steps = models.JSONField(default=list, help_text="The computation, step by step, as shown to the rep.")

    class Meta:
        ordering = ["statement", "product_line__name"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "product_line"], name="statementline_one_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.statement} {self.product_line}: {self.total}"
