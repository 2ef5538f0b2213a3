"""Trained win models (one active per organization) and the precomputed deal scores."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef

from revops.models import OrganizationOwnedModel
from revops.models.crm import OPEN_STAGES


class ModelKind(models.TextChoices):
    LIGHTGBM = "lightgbm", "LightGBM (calibrated)"
    BETA = "stage_segment_beta", "Stage × segment win rate (small data)"


class ModelVersion(OrganizationOwnedModel):
    """One training run's model: data window, features, holdout metrics and the artifact.

    Status: a new version is a candidate; it becomes active only if it beats the active one on
    the holdout (lower Brier score), and the one it replaces is retired. One active per
    organization (a constraint). The artifact is the engine's JSON (LightGBM model text,
    calibrator, vocabularies, timing model): no pickle.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CANDIDATE = "candidate", "Not promoted"
        RETIRED = "retired", "Retired"

    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=24, choices=ModelKind.choices)
    label = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CANDIDATE, db_index=True)
    window_start = models.DateField()
    window_end = models.DateField()
    features = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(
        default=dict, help_text="Holdout AUC, Brier, log loss, ECE, base rate, examples."
    )
    reliability = models.JSONField(
        default=list, blank=True, help_text="Reliability diagram bins on the holdout."
    )
    importance = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    calibration = models.JSONField(
        default=dict, blank=True, help_text="Chosen method and each method's held-out loss."
    )
    timing_coverage = models.FloatField(null=True, blank=True)
    promotion_note = models.CharField(max_length=300, blank=True)
    artifact = models.TextField()
    job_run = models.ForeignKey(
        "revops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="modelversion_unique_number"),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status="active"),
                name="modelversion_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} · {self.label}"

    @property
    def source_label(self) -> str:
        """What pages and the provider show next to a probability."""
        return f"{self.get_kind_display()} v{self.number}"


class DealScoreQuerySet(models.QuerySet):
    def current(self) -> DealScoreQuerySet:
        """Each organization's current scores: the rows of its latest scoring run (the day and
        model ``CurrentScores`` names), of deals still open."""
        return self.filter(
            Exists(
                CurrentScores.objects.filter(
                    organization=OuterRef("organization"),
                    as_of=OuterRef("as_of"),
                    model_version=OuterRef("model_version"),
                )
            ),
            opportunity__stage__in=list(OPEN_STAGES),
        )


class DealScore(OrganizationOwnedModel):
    """One open deal's score by one model on one day; the organization's latest scoring run
    (``CurrentScores``) holds the current ones.

    History is kept (one row per deal, day and model version) so the deal page draws the
    probability over time and close-date pushes can be counted from it. A run only adds rows:
    what is current moves with the one-row pointer, no score row is rewritten.
    """

    # Looked up through the composite indexes below (organization first, opportunity first):
    # single-column indexes would only cost time on each day's 100,000-row insert.
    # No database foreign keys (db_constraint=False): a run writes its rows from the deals it
    # has just read, and three deferred checks per row cost about a second at commit on a
    # 100,000-deal run. Deletes still go through the ORM's CASCADE and PROTECT; the readers
    # (``current()``) join the deals, so a row whose deal is gone is never shown.
    organization = models.ForeignKey(
        "revops.Organization", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    opportunity = models.ForeignKey(
        "revops.Opportunity", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="scores", db_constraint=False
    )
    as_of = models.DateField()
    probability = models.DecimalField(max_digits=5, decimal_places=4)
    risk = models.PositiveSmallIntegerField()
    risk_band = models.CharField(max_length=8)
    days_p10 = models.PositiveIntegerField()
    days_p50 = models.PositiveIntegerField()
    days_p90 = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    stage = models.CharField(max_length=16)
    expected_close_date = models.DateField(null=True, blank=True)
    drivers = models.JSONField(default=list, blank=True)
    actions = models.JSONField(default=list, blank=True)
    narrative = models.TextField(blank=True)
    features = models.JSONField(default=dict, blank=True)

    objects = DealScoreQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "as_of", "model_version"], name="dealscore_one_per_day_model"
            ),
            models.CheckConstraint(
                condition=models.Q(probability__gte=0) & models.Q(probability__lte=1),
                name="dealscore_probability_0_1",
            ),
            models.CheckConstraint(condition=models.Q(risk__lte=100), name="dealscore_risk_lte_100"),
        ]
        indexes = [
            models.Index(fields=["organization", "as_of", "model_version", "risk"], name="dealscore_org_run"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.as_of}: {self.probability}"


class CurrentScores(OrganizationOwnedModel):
    """Which scoring run's rows are the organization's current deal scores (one per organization).

    A scoring run writes its rows, then points this row at its day and model: one UPDATE
    instead of rewriting a flag on every score of yesterday and today.
    """

    as_of = models.DateField()
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["organization"]
        verbose_name_plural = "current scores"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="currentscores_one_per_organization"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.as_of} by {self.model_version_id}"
