"""Channels, campaigns with their spend, and the touchpoints journeys are built from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from revops.models.base import OrganizationOwnedModel


class Channel(OrganizationOwnedModel):
    """A marketing channel touches come through (paid search, events, partner referral, ...)."""

    name = models.CharField(max_length=80)
    grouping = models.CharField(
        max_length=60, blank=True, help_text="Channel group, e.g. Paid, Owned, Offline"
    )
    is_direct = models.BooleanField(default=False, help_text="Skipped by the last non-direct touch model")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="mkt_channel_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(OrganizationOwnedModel):
    """A campaign on one channel; its spend is recorded per month."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(max_length=120)
    external_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="mkt_campaign_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class CampaignSpend(OrganizationOwnedModel):
    """What a campaign cost in one month (the month's first day)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="spend")
    month = models.DateField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["campaign", "month"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "month"], name="mkt_spend_unique_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="mkt_spend_not_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="mkt_spend_first_of_month"),
        ]


class TouchSource(models.TextChoices):
    IMPORT = "import", "File import"
    API = "api", "API"
    CRM = "crm", "CRM sync"
    PARTNER = "partner", "Partner activity"
    DEMO = "demo", "Demo data"


class Touchpoint(OrganizationOwnedModel):
    """One marketing or sales touch on a contact and/or account (an ad click, an event, a call)."""

    occurred_at = models.DateTimeField(db_index=True)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="touches")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="touches"
    )
    contact_key = models.CharField(max_length=120, blank=True, db_index=True)
    account = models.ForeignKey(
        "revops.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="marketing_touches"
    )
    opportunity = models.ForeignKey(
        "revops.Opportunity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="marketing_touches",
    )
    source = models.CharField(
        max_length=10, choices=TouchSource.choices, default=TouchSource.IMPORT, db_index=True
    )
    external_id = models.CharField(max_length=120, blank=True)
    # Set when the record behind the touch was deleted at its source (a Salesforce campaign
    # member): the row stays so past runs' per-touch credit still drills down to it; journeys
    # built after that leave it out.
    removed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="mkt_touch_unique_external_id",
            ),
            models.CheckConstraint(
                condition=~Q(contact_key="") | Q(account__isnull=False),
                name="mkt_touch_has_contact_or_account",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "account", "occurred_at"], name="mkt_touch_org_account")
        ]
