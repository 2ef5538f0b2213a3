"""Leads, campaigns and the salespeople who work them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from revops.models import OrganizationOwnedModel

EXTERNAL_ID_SET = ~Q(external_id="")


class Campaign(OrganizationOwnedModel):
    """A marketing campaign leads come from; salesperson profiles are per campaign."""

    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    # The CRM's id ("salesforce:<Id>") of a campaign the Salesforce sync stores; empty otherwise.
    external_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="campaign_unique_name"),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=EXTERNAL_ID_SET,
                name="campaign_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LeadStatus(models.TextChoices):
    NEW = "New", "New"
    OPEN = "Open", "Open"
    CONTACTED = "Contacted", "Contacted"
    RECYCLED = "Recycled", "Recycled"
    CONVERTED = "Converted", "Converted"
    LOST = "Lost", "Lost"
    DO_NOT_CALL = "Do Not Call", "Do not call"


# Statuses that count toward a rep's current workload.
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.OPEN, LeadStatus.CONTACTED, LeadStatus.RECYCLED)


class Lead(OrganizationOwnedModel):
    """A person who may buy, waiting to be called by the salesperson who owns them."""

    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True)
    company = models.CharField(max_length=200, blank=True)
    web_source = models.CharField(max_length=120, blank=True, db_index=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    # Free text: imported CRMs use their own statuses ("Interested", "Do Not Call", ...).
    status = models.CharField(max_length=60, default=LeadStatus.NEW, db_index=True)
    tags = models.JSONField(default=list, blank=True)
    do_not_call = models.BooleanField(default=False)
    priority = models.IntegerField(default=0)
    score = models.FloatField(default=0.0)
    segment = models.CharField(max_length=40, blank=True)
    converted = models.BooleanField(
        default=False, help_text="Became a customer (history for performance weights)."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    account = models.ForeignKey(
        "revops.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(
        default=timezone.now, db_index=True, help_text="When the lead came in."
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=64, blank=True)
    external_source = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["organization", "owner", "status"], name="lead_org_owner_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=EXTERNAL_ID_SET,
                name="lead_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=-1000) & Q(priority__lte=1000), name="lead_priority_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or f"Lead {self.pk}"


def default_working_days() -> list[int]:
    return [1, 2, 3, 4, 5]


class SalespersonProfile(OrganizationOwnedModel):
    """A salesperson's terms for one campaign (or every campaign when blank): level, target, capacity."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sales_profiles"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="profiles"
    )
    active = models.BooleanField(default=True)
    team = models.CharField(max_length=60, blank=True)
    level = models.CharField(max_length=40, blank=True)
    target_leads = models.PositiveIntegerField(null=True, blank=True, help_text="Leads per daily run.")
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Open leads they may hold at most."
    )
    working_days = models.JSONField(
        default=default_working_days, blank=True, help_text="ISO weekdays, 1 = Monday."
    )
    out_of_office = models.JSONField(
        default=list, blank=True, help_text='Ranges like [{"start": "2026-03-01", "end": "2026-03-05"}].'
    )

    class Meta:
        ordering = ["user_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "campaign"], name="salesprofile_unique_user_campaign"
            ),
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(campaign=None),
                name="salesprofile_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.campaign or 'all campaigns'})"
