"""Accounts, partners, opportunities and the stage history of each opportunity."""

from django.conf import settings
from django.db import models

from revops.matching import domain_key, name_key, name_prefix
from revops.models.base import OrganizationOwnedModel
from revops.querysets import AccountQuerySet, OpportunityQuerySet, PartnerQuerySet

EXTERNAL_ID_SET = ~models.Q(external_id="")


class Segment(models.TextChoices):
    SMB = "smb", "SMB"
    MID_MARKET = "mid_market", "Mid-market"
    ENTERPRISE = "enterprise", "Enterprise"


class Region(models.TextChoices):
    NORTH_AMERICA = "na", "North America"
    EMEA = "emea", "EMEA"
    APAC = "apac", "APAC"
    LATAM = "latam", "LATAM"


class Account(OrganizationOwnedModel):
    """A customer or prospect company."""

    name = models.CharField(max_length=200, db_index=True)
    domain = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=100, blank=True, db_index=True)
    segment = models.CharField(max_length=16, choices=Segment.choices, blank=True, db_index=True)
    region = models.CharField(max_length=8, choices=Region.choices, blank=True, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    external_id = models.CharField(max_length=64, blank=True)
    # Matching keys (revops.matching), kept in step with name and domain on every save and bulk
    # create, so duplicate and conflict checks are indexed lookups.
    name_key = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    name_prefix = models.CharField(max_length=8, blank=True, editable=False, db_index=True)
    domain_key = models.CharField(max_length=200, blank=True, editable=False, db_index=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=EXTERNAL_ID_SET,
                name="account_unique_external_id",
                violation_error_message="Another account in this organization has this external id.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def fill_match_keys(self) -> None:
        self.name_key = name_key(self.name)
        self.name_prefix = name_prefix(self.name_key)
        self.domain_key = domain_key(self.domain)

    def save(self, *args, **kwargs) -> None:
        self.fill_match_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "domain"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "name_key", "name_prefix", "domain_key"}
        super().save(*args, **kwargs)


class PartnerType(models.TextChoices):
    SI = "si", "SI / implementation"
    INFLUENCE = "influence", "Influence"
    REFERRAL = "referral", "Referral"
    ISV = "isv", "ISV"


class Partner(OrganizationOwnedModel):
    """A company that helps sell, implement or influence deals and earns a share."""

    class Tier(models.TextChoices):
        REGISTERED = "registered", "Registered"
        SILVER = "silver", "Silver"
        GOLD = "gold", "Gold"
        PLATINUM = "platinum", "Platinum"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        SUSPENDED = "suspended", "Suspended"

    class Lifecycle(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        ONBOARDING = "onboarding", "Onboarding"
        ACTIVE = "active", "Active"
        CHURNED = "churned", "Churned"

    name = models.CharField(max_length=200, db_index=True)
    domain = models.CharField(max_length=200, blank=True)
    types = models.JSONField(
        default=list, blank=True, help_text="Roles this partner can play: si, influence, referral, isv."
    )
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.REGISTERED, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    lifecycle_stage = models.CharField(
        max_length=16, choices=Lifecycle.choices, default=Lifecycle.PROSPECT, db_index=True
    )
    external_id = models.CharField(max_length=64, blank=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=EXTERNAL_ID_SET,
                name="partner_unique_external_id",
                violation_error_message="Another partner in this organization has this external id.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        valid = set(PartnerType.values)
        if not isinstance(self.types, list) or any(t not in valid for t in self.types):
            raise ValidationError({"types": f"Use a list of partner types from: {', '.join(sorted(valid))}."})


class Stage(models.TextChoices):
    PROSPECTING = "prospecting", "Prospecting"
    QUALIFICATION = "qualification", "Qualification"
    PROPOSAL = "proposal", "Proposal"
    NEGOTIATION = "negotiation", "Negotiation"
    CLOSED_WON = "closed_won", "Closed won"
    CLOSED_LOST = "closed_lost", "Closed lost"


OPEN_STAGES = (Stage.PROSPECTING, Stage.QUALIFICATION, Stage.PROPOSAL, Stage.NEGOTIATION)
CLOSED_STAGES = (Stage.CLOSED_WON, Stage.CLOSED_LOST)


class Opportunity(OrganizationOwnedModel):
    """A deal (also called a use case) with an account, owned by a rep."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="opportunities")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_opportunities",
    )
    name = models.CharField(max_length=200)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.PROSPECTING, db_index=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    created_date = models.DateField(db_index=True)
    expected_close_date = models.DateField(null=True, blank=True, db_index=True)
    close_date = models.DateField(null=True, blank=True, db_index=True)
    product_line = models.ForeignKey(
        "revops.ProductLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    lead_source = models.CharField(max_length=60, blank=True, db_index=True)
    external_id = models.CharField(max_length=64, blank=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_date", "-id"]
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="opportunity_amount_gte_0",
                violation_error_message="The amount cannot be negative.",
            ),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=EXTERNAL_ID_SET,
                name="opportunity_unique_external_id",
                violation_error_message="Another opportunity in this organization has this external id.",
            ),
            models.CheckConstraint(
                condition=~models.Q(stage__in=CLOSED_STAGES) | models.Q(close_date__isnull=False),
                name="opportunity_closed_has_close_date",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "stage", "close_date"], name="opp_org_stage_close"),
            models.Index(fields=["organization", "owner"], name="opp_org_owner"),
            # Covers the dashboard's aggregates (revops.selectors.dashboard): seek by stage and
            # close date, then read the summed and scoping columns from the index alone.
            models.Index(
                fields=[
                    "organization",
                    "stage",
                    "close_date",
                    "amount",
                    "created_date",
                    "account",
                    "owner",
                    "product_line",
                ],
                name="opp_dashboard",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.stage in CLOSED_STAGES

    @property
    def is_won(self) -> bool:
        return self.stage == Stage.CLOSED_WON

    @property
    def is_lost(self) -> bool:
        return self.stage == Stage.CLOSED_LOST

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.stage in CLOSED_STAGES and not self.close_date:
            raise ValidationError({"close_date": "A closed opportunity needs a close date."})
        if self.close_date and self.created_date and self.close_date < self.created_date:
            raise ValidationError({"close_date": "The close date is before the created date."})


class OpportunityStageChange(OrganizationOwnedModel):
    """One move of an opportunity from one stage to another; never edited."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    changed_at = models.DateTimeField(db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["opportunity", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage or '—'} → {self.to_stage}"
