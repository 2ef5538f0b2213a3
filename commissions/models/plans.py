"""Commission plans (versioned), their assignment to reps × product lines, and objectives."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from revops.models import OrganizationOwnedModel


class Semantics(models.TextChoices):
    MARGINAL = "marginal", "Marginal (only sales above the objective earn tier 2)"
    RETROACTIVE = "retroactive", "Retroactive (all sales of the period earn tier 2, as a true-up)"


class ObjectivePeriod(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Fiscal quarter"
    YEAR_TO_DATE = "ytd", "Fiscal year to date"


class CommissionBasis(models.TextChoices):
    BOOKED = "booked", "Booked"
    INVOICED = "invoiced", "Invoiced"
    PAID = "paid", "Paid (pro rata to cash received)"


class CommissionPlan(OrganizationOwnedModel):
    """A named plan; its terms live in versions, so a change never rewrites a paid period."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="commplan_unique_name")]

    def __str__(self) -> str:
        return self.name


class CommissionPlanVersion(OrganizationOwnedModel):
    """The terms of a plan from a month on: rates, threshold semantics, window and basis."""

    plan = models.ForeignKey(CommissionPlan, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    effective_from = models.DateField(help_text="First day of the first month these terms apply to.")
    tier1_rate = models.DecimalField(
        max_digits=7, decimal_places=4, help_text="Percent of the commission base."
    )
    tier2_rate = models.DecimalField(
        max_digits=7, decimal_places=4, help_text="Percent once the objective is reached."
    )
    semantics = models.CharField(max_length=12, choices=Semantics.choices, default=Semantics.MARGINAL)
    objective_period = models.CharField(
        max_length=8, choices=ObjectivePeriod.choices, default=ObjectivePeriod.MONTH
    )
    basis = models.CharField(max_length=10, choices=CommissionBasis.choices, default=CommissionBasis.BOOKED)
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["plan", "version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="commplanversion_unique_version"),
            models.UniqueConstraint(fields=["plan", "effective_from"], name="commplanversion_unique_start"),
            models.CheckConstraint(
                condition=models.Q(
                    tier1_rate__gte=0, tier1_rate__lte=100, tier2_rate__gte=0, tier2_rate__lte=100
                ),
                name="commplanversion_rates_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.version} from {self.effective_from:%Y-%m}"

    def clean(self) -> None:
        if self.effective_from and self.effective_from.day != 1:
            raise ValidationError({"effective_from": "Plans change on the first day of a month."})


class PlanAssignment(OrganizationOwnedModel):
    """A rep paid on a product line under a plan, from a month to a month (or open-ended)."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    product_line = models.ForeignKey("revops.ProductLine", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(CommissionPlan, on_delete=models.PROTECT, related_name="assignments")
    start = models.DateField(help_text="First day of the first month.")
    end = models.DateField(null=True, blank=True, help_text="Last day covered; empty: open-ended.")

    class Meta:
        ordering = ["rep", "product_line", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "product_line", "start"], name="planassignment_unique_start"
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="planassignment_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rep} × {self.product_line} on {self.plan}"


class BusinessObjective(OrganizationOwnedModel):
    """A rep's objective for one product line and month (the tier-2 threshold is built from these)."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    product_line = models.ForeignKey("revops.ProductLine", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="First day of the month.")
    amount = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["rep", "product_line", "month"]
        constraints = [
            models.UniqueConstraint(fields=["rep", "product_line", "month"], name="objective_one_per_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="objective_not_negative"),
        ]
        indexes = [models.Index(fields=["organization", "month"], name="objective_org_month")]

    def __str__(self) -> str:
        return f"{self.rep} {self.product_line} {self.month:%Y-%m}: {self.amount}"
