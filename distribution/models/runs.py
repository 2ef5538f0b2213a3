"""Distribution configurations, their versions, runs and the assignments runs make."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from revops.models import OrganizationOwnedModel


class DistributionConfig(OrganizationOwnedModel):
    """A named daily distribution job: its current document and the state runs carry on."""

    name = models.CharField(max_length=120)
    document = models.TextField(help_text="YAML or JSON (see docs/distribution.md).")
    version = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True, help_text="Runs daily on the schedule.")
    # Round-robin position and catch-up debts, written by applied runs only.
    state = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="distconfig_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class DistributionConfigVersion(OrganizationOwnedModel):
    """One saved document of a config; never changed, so a run names exactly what it ran."""

    config = models.ForeignKey(DistributionConfig, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    document = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["config_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["config", "version"], name="distconfigversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.config_id} v{self.version}"


class RunMode(models.TextChoices):
    DRY_RUN = "dry_run", "Dry run"
    APPLIED = "applied", "Applied"


class RunStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    APPLIED = "applied", "Applied"
    NOTHING = "nothing", "Nothing to do"
    FAILED = "failed", "Failed"
    # A CRM-sourced run whose write-back the CRM refused for some leads (see `failures`).
    PARTIAL = "partial", "Partially applied"


class DistributionRun(OrganizationOwnedModel):
    """One run of a configuration: what it would do (dry run) or did (applied), per rep before/after.

    `reps` holds one entry per rep: id, name, before, assigned, after, target, capacity.
    `exclusions` maps a filter's name to the number of leads it kept out; `preview` the first
    assignments (lead, rep, reason) for the dry-run page; `unassigned` the "no eligible rep"
    lead ids; `failures` the leads a CRM refused to reassign (lead id, CRM id, the CRM's
    message): those keep their owner, the others are applied.
    """

    config = models.ForeignKey(
        DistributionConfig, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    config_version = models.ForeignKey(
        DistributionConfigVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    config_name = models.CharField(max_length=120)
    document = models.TextField(blank=True)
    mode = models.CharField(max_length=10, choices=RunMode.choices, db_index=True)
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.PLANNED, db_index=True
    )
    run_on = models.DateField(help_text="The organization's day the run distributed for.")
    seed = models.BigIntegerField(default=0)
    strategies = models.JSONField(default=list, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    reps = models.JSONField(default=list, blank=True)
    exclusions = models.JSONField(default=dict, blank=True)
    unassigned = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    options = models.JSONField(default=dict, blank=True)
    failures = models.JSONField(default=list, blank=True)
    job_run = models.ForeignKey(
        "revops.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.config_name} {self.run_on} ({self.mode})"


class LeadAssignment(OrganizationOwnedModel):
    """A lead handed to a rep by a run, with why; never changed (a new run makes a new row)."""

    # A lead with assignment history is kept (the history explains its owner): PROTECT.
    lead = models.ForeignKey("distribution.Lead", on_delete=models.PROTECT, related_name="assignments")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lead_assignments"
    )
    run = models.ForeignKey(DistributionRun, on_delete=models.PROTECT, related_name="assignments")
    strategy = models.CharField(max_length=30, db_index=True)
    explanation = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "rep"], name="leadassign_org_rep")]

    def __str__(self) -> str:
        return f"lead {self.lead_id} → {self.rep_id}"
