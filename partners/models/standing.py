"""The partner program's standing of each partner: configured tiers and certifications, tier
changes with their reasons, the onboarding checklist and lifecycle history, health snapshots
and channel-manager alerts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from revops.models import OrganizationOwnedModel, Partner


class ProgramTier(OrganizationOwnedModel):
    """One tier of the organization's partner program and what a partner needs to hold it.

    The tier names are the partner's `Partner.Tier` choices; `rank` orders them (higher is
    better). A partner holds the highest-ranked tier whose every threshold it meets.
    """

    tier = models.CharField(max_length=16, choices=Partner.Tier.choices)
    rank = models.PositiveSmallIntegerField(
        help_text="Higher is better; the lowest tier usually has no thresholds."
    )
    window_days = models.PositiveIntegerField(
        default=365, help_text="Trailing window (days up to today) for revenue and registrations won."
    )
    min_attributed_revenue = models.DecimalField(
        max_digits=18, decimal_places=2, default=0, help_text="Attributed revenue in the window, at least."
    )
    min_registrations_won = models.PositiveIntegerField(
        default=0, help_text="Registrations whose deal was won (closed) in the window, at least."
    )
    min_certifications = models.PositiveIntegerField(
        default=0, help_text="Certifications valid today, at least."
    )

    class Meta:
        ordering = ["organization", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "tier"],
                name="programtier_one_per_tier",
                violation_error_message="This tier is already configured.",
            ),
            models.UniqueConstraint(
                fields=["organization", "rank"],
                name="programtier_unique_rank",
                violation_error_message="Another tier has this rank.",
            ),
            models.CheckConstraint(
                condition=Q(min_attributed_revenue__gte=0), name="programtier_revenue_gte_0"
            ),
            models.CheckConstraint(condition=Q(window_days__gte=1), name="programtier_window_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} (rank {self.rank})"


class PartnerCertification(OrganizationOwnedModel):
    """A certification a partner holds (e.g. a trained consultant), valid until it expires."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="certifications")
    name = models.CharField(max_length=200)
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True, help_text="Blank: does not expire.")

    class Meta:
        ordering = ["partner", "-issued_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("issued_on")),
                name="partnercert_expires_after_issue",
                violation_error_message="A certification cannot expire before it is issued.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"


class TierChangeStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    PENDING = "pending", "Waiting for approval"
    REJECTED = "rejected", "Rejected"


class PartnerTierChange(OrganizationOwnedModel):
    """A change of a partner's tier proposed by the tier computation, with the figures behind it.

    Applied at once, or (a downgrade, when the program settings ask for it) pending until a
    channel manager approves or rejects it. `reason` holds the partner's figures against the
    thresholds of both tiers.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.CharField(max_length=16, choices=Partner.Tier.choices)
    to_tier = models.CharField(max_length=16, choices=Partner.Tier.choices)
    is_downgrade = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=TierChangeStatus.choices, db_index=True)
    reason = models.JSONField(default=dict, blank=True)
    reason_text = models.TextField(blank=True)
    job_run = models.ForeignKey(
        "revops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"],
                condition=Q(status=TierChangeStatus.PENDING),
                name="partnertierchange_one_pending",
            )
        ]
        indexes = [models.Index(fields=["organization", "partner", "created_at"], name="tierchange_partner")]

    def __str__(self) -> str:
        return f"{self.partner}: {self.from_tier} → {self.to_tier} ({self.status})"


class OnboardingStep(OrganizationOwnedModel):
    """One item of the organization's onboarding checklist (e.g. "Contract signed")."""

    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["organization", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="onboardingstep_unique_name",
                violation_error_message="Another step has this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class OnboardingCompletion(OrganizationOwnedModel):
    """A checklist step a partner has done, with who ticked it."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="onboarding_completions")
    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="completions")
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["partner", "step__order", "id"]
        constraints = [models.UniqueConstraint(fields=["partner", "step"], name="onboarding_done_once")]

    def __str__(self) -> str:
        return f"{self.partner}: {self.step}"


class PartnerLifecycleChange(OrganizationOwnedModel):
    """A move of a partner along prospect → onboarding → active → churned (its date is `created_at`)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="lifecycle_changes")
    from_stage = models.CharField(max_length=16, choices=Partner.Lifecycle.choices)
    to_stage = models.CharField(max_length=16, choices=Partner.Lifecycle.choices)
    note = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "created_at"], name="lifecycle_partner")]

    def __str__(self) -> str:
        return f"{self.partner}: {self.from_stage} → {self.to_stage}"


class PartnerHealth(OrganizationOwnedModel):
    """A partner's health score (0–100) as computed at one recompute, with its components.

    `components` lists each component's key, label, raw value, score (0–100) and weight; the
    newest snapshot of a partner carries `is_latest`.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="health_snapshots")
    score = models.PositiveSmallIntegerField()
    components = models.JSONField(default=list)
    is_latest = models.BooleanField(default=True)
    job_run = models.ForeignKey(
        "revops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="partnerhealth_score_0_100"),
            models.UniqueConstraint(
                fields=["partner"], condition=Q(is_latest=True), name="partnerhealth_one_latest"
            ),
        ]
        indexes = [models.Index(fields=["partner", "created_at"], name="health_partner")]

    def __str__(self) -> str:
        return f"{self.partner}: {self.score}"


class AlertKind(models.TextChoices):
    HEALTH_DROP = "health_drop", "Health dropped"
    INACTIVE = "inactive", "Inactive"
    REGISTRATION_EXPIRING = "registration_expiring", "Registration expiring"
    SLA_BREACH = "sla_breach", "Approval past SLA"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class PartnerAlert(OrganizationOwnedModel):
    """Something about a partner a channel manager should look at, raised once per occurrence.

    `key` names the occurrence (the snapshot that dropped, the day activity stopped, the
    registration and its end or step); it is unique per organization, so the recompute never
    raises the same alert twice, acknowledged or not.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=32, choices=AlertKind.choices, db_index=True)
    key = models.CharField(max_length=120)
    message = models.CharField(max_length=300)
    status = models.CharField(
        max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN, db_index=True
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="partneralert_once")]

    def __str__(self) -> str:
        return f"{self.partner}: {self.message}"
