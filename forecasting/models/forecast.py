"""Forecast snapshots (weekly, kept to check accuracy later) and the forecast calls of people."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from revops.models import OrganizationOwnedModel


class ForecastSnapshot(OrganizationOwnedModel):
    """The Monte Carlo forecast as of one day, with the open pipeline it was made from.

    ``periods``: per month and quarter P10/P50/P90, mean, run-rate and target; ``pipeline``:
    every open deal (id, amount, stage, expected close, probability) so the next snapshot can
    say what changed. Weekly snapshots are taken by Celery beat; one per day and kind.
    """

    class Kind(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MANUAL = "manual", "On demand"

    as_of = models.DateField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MANUAL)
    model_version = models.ForeignKey(
        "forecasting.ModelVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    model_label = models.CharField(max_length=200)
    sims = models.PositiveIntegerField()
    seed = models.PositiveIntegerField(default=0)
    periods = models.JSONField(default=list, blank=True)
    velocity = models.JSONField(default=dict, blank=True)
    baseline = models.JSONField(default=dict, blank=True)
    pipeline = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "as_of", "kind"], name="forecastsnapshot_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.as_of} ({self.kind})"


class ForecastCall(OrganizationOwnedModel):
    """A rep's or manager's call for one period: commit, best case and pipeline, with a note.

    A manager may adjust a report's call with a reason (the original stays); roll-ups read the
    adjusted commit when there is one.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField(help_text="Exclusive: the day after the period.")
    commit = models.DecimalField(max_digits=18, decimal_places=2)
    best_case = models.DecimalField(max_digits=18, decimal_places=2)
    pipeline = models.DecimalField(max_digits=18, decimal_places=2)
    note = models.TextField(max_length=2000, blank=True)
    adjusted_commit = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    adjustment_reason = models.CharField(max_length=500, blank=True)
    adjusted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_start", "owner_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "owner", "period_start", "period_end"],
                name="forecastcall_one_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(commit__lte=models.F("best_case"))
                & models.Q(best_case__lte=models.F("pipeline")),
                name="forecastcall_commit_le_best_le_pipeline",
                violation_error_message="Commit ≤ best case ≤ pipeline.",
            ),
            models.CheckConstraint(condition=models.Q(commit__gte=0), name="forecastcall_commit_gte_0"),
            models.CheckConstraint(
                condition=models.Q(adjusted_commit__isnull=True) | ~models.Q(adjustment_reason=""),
                name="forecastcall_adjustment_has_reason",
                violation_error_message="An adjustment needs a reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.period_start}: {self.commit}"

    @property
    def effective_commit(self):
        return self.adjusted_commit if self.adjusted_commit is not None else self.commit


class OpportunityAttributes(OrganizationOwnedModel):
    """Extra columns of an imported CRM export (e.g. "Authority: Mid"), used as model features."""

    opportunity = models.OneToOneField("revops.Opportunity", on_delete=models.CASCADE, related_name="+")
    values = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "opportunity attributes"

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {len(self.values)} attributes"
