"""Model configurations (versioned), attribution runs and their stored results."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from attribution.marketing.engine.types import ModelKind
from attribution.marketing.models.paths import PathSet
from attribution.marketing.models.touches import Campaign, Channel, Touchpoint
from revops.models.base import OrganizationOwnedModel

MODEL_CHOICES = [
    (ModelKind.FIRST.value, "First touch"),
    (ModelKind.LAST.value, "Last touch"),
    (ModelKind.LAST_NON_DIRECT.value, "Last non-direct touch"),
    (ModelKind.LINEAR.value, "Linear"),
    (ModelKind.TIME_DECAY.value, "Time decay"),
    (ModelKind.POSITION.value, "Position based (U-shaped)"),
    (ModelKind.W_SHAPED.value, "W-shaped"),
    (ModelKind.STAGES.value, "Custom stage weights"),
    (ModelKind.MARKOV.value, "Markov removal effect"),
    (ModelKind.SHAPLEY.value, "Shapley value"),
]
MODEL_LABELS = dict(MODEL_CHOICES)


class JourneyLevel(models.TextChoices):
    CONTACT = "contact", "Per contact"
    ACCOUNT = "account", "Per account (buying committee)"


class ConversionEvent(models.TextChoices):
    CREATED = "created", "Opportunity created"
    WON = "won", "Opportunity won"


class ModelConfig(OrganizationOwnedModel):
    """One version of a named attribution set-up; a change is saved as the next version.

    Runs keep the version they used, so a quarter's figures can be reproduced later.
    """

    name = models.CharField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True, db_index=True)
    model = models.CharField(max_length=20, choices=MODEL_CHOICES)
    journey_level = models.CharField(
        max_length=10, choices=JourneyLevel.choices, default=JourneyLevel.ACCOUNT
    )
    conversion_event = models.CharField(
        max_length=10, choices=ConversionEvent.choices, default=ConversionEvent.CREATED
    )
    lookback_days = models.PositiveIntegerField(default=90)
    excluded_channels = models.JSONField(
        default=list, blank=True, help_text="Channel names left out of journeys"
    )
    params = models.JSONField(default=dict, blank=True, help_text="Model parameters (see docs/marketing.md)")
    bootstrap_resamples = models.PositiveIntegerField(default=100, help_text="0: no confidence intervals")
    path_set = models.ForeignKey(
        PathSet,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="configs",
        help_text="Run on these imported aggregated paths instead of the touchpoints",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name", "version"], name="mkt_config_unique_version"
            ),
            models.UniqueConstraint(
                fields=["organization", "name"], condition=Q(is_current=True), name="mkt_config_one_current"
            ),
            models.CheckConstraint(condition=Q(lookback_days__gte=1), name="mkt_config_lookback_positive"),
            models.CheckConstraint(
                condition=Q(bootstrap_resamples__lte=1000), name="mkt_config_resamples_cap"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Frequency(models.TextChoices):
    DAILY = "daily", "Every day"
    WEEKLY = "weekly", "Every 7 days"
    MONTHLY = "monthly", "Once a calendar month"


class ConfigSchedule(OrganizationOwnedModel):
    """A model configuration run on a schedule: its current version over the days up to yesterday.

    Belongs to the configuration's name, so it follows every new version.
    """

    config_name = models.CharField(max_length=80)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    window_days = models.PositiveIntegerField(
        default=365, help_text="The run covers this many days up to yesterday"
    )
    enabled = models.BooleanField(default=True)
    last_run_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["config_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "config_name"], name="mkt_schedule_unique_config"
            ),
            models.CheckConstraint(condition=Q(window_days__gte=1), name="mkt_schedule_window_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.config_name} ({self.get_frequency_display()})"

    def next_due_on(self, today: dt.date) -> dt.date | None:
        """The day the nightly start next queues a run (None when disabled; today when overdue)."""
        if not self.enabled:
            return None
        last = self.last_run_on
        if last is None:
            return today
        if self.frequency == Frequency.DAILY:
            due = last + dt.timedelta(days=1)
        elif self.frequency == Frequency.WEEKLY:
            due = last + dt.timedelta(days=7)
        else:
            due = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)
        return max(due, today)


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class AttributionRun(OrganizationOwnedModel):
    """One computation of a config version over a window of journeys, and its totals."""

    config = models.ForeignKey(ModelConfig, on_delete=models.PROTECT, related_name="runs")
    config_version = models.PositiveIntegerField()
    config_snapshot = models.JSONField(default=dict)
    model = models.CharField(max_length=20, choices=MODEL_CHOICES, db_index=True)
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    job = models.ForeignKey(
        "revops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    window_start = models.DateField()
    window_end = models.DateField()
    journeys = models.PositiveIntegerField(default=0)
    touches = models.PositiveIntegerField(default=0)
    conversions = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    value = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    order_used = models.PositiveSmallIntegerField(null=True, blank=True)
    exact = models.BooleanField(default=True)
    has_intervals = models.BooleanField(default=False)
    probability_source = models.CharField(max_length=60, blank=True)
    promoted = models.BooleanField(default=False, help_text="The run finance reports on")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(promoted=True), name="mkt_run_one_promoted"
            ),
            models.CheckConstraint(
                condition=Q(window_start__lte=models.F("window_end")), name="mkt_run_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{MODEL_LABELS.get(self.model, self.model)} run #{self.pk}"


class ChannelResult(OrganizationOwnedModel):
    """A run's credit for one channel, with its bootstrap interval and pipeline figures."""

    run = models.ForeignKey(AttributionRun, on_delete=models.CASCADE, related_name="channel_results")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    conversions = models.DecimalField(max_digits=18, decimal_places=4)
    value = models.DecimalField(max_digits=18, decimal_places=2)
    conversions_low = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    conversions_high = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    value_low = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    value_high = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    removal_effect = models.FloatField(null=True, blank=True)
    journeys = models.PositiveIntegerField(default=0, help_text="Journeys touching the channel")
    converting_journeys = models.PositiveIntegerField(default=0)
    won_journeys = models.PositiveIntegerField(default=0)
    closed_journeys = models.PositiveIntegerField(default=0)
    open_pipeline = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    expected_revenue = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        ordering = ["run", "-value", "channel"]
        constraints = [models.UniqueConstraint(fields=["run", "channel"], name="mkt_channel_result_unique")]


class CampaignResult(OrganizationOwnedModel):
    """A run's credit for one campaign (touches without a campaign are not listed)."""

    run = models.ForeignKey(AttributionRun, on_delete=models.CASCADE, related_name="campaign_results")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="+")
    conversions = models.DecimalField(max_digits=18, decimal_places=4)
    value = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["run", "-value", "campaign"]
        constraints = [models.UniqueConstraint(fields=["run", "campaign"], name="mkt_campaign_result_unique")]


class PeriodResult(OrganizationOwnedModel):
    """A run's credit for one channel in one month (the month of the conversion)."""

    run = models.ForeignKey(AttributionRun, on_delete=models.CASCADE, related_name="period_results")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    conversions = models.DecimalField(max_digits=18, decimal_places=4)
    value = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["run", "month", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["run", "channel", "month"], name="mkt_period_result_unique")
        ]


class TouchCredit(OrganizationOwnedModel):
    """One touch's credit in a run, for drill-down (stored for converting journeys only)."""

    run = models.ForeignKey(AttributionRun, on_delete=models.CASCADE, related_name="touch_credits")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="credits")
    opportunity = models.ForeignKey("revops.Opportunity", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        "revops.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    share = models.FloatField()
    value = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["run", "opportunity", "touchpoint"]
        constraints = [
            models.UniqueConstraint(fields=["run", "touchpoint", "opportunity"], name="mkt_credit_unique")
        ]
        indexes = [models.Index(fields=["run", "opportunity"], name="mkt_credit_run_opp")]
