"""Which partners helped on a deal or own a share of an account's revenue, and in what role."""

from decimal import Decimal

from django.db import models

from revops.models import OrganizationOwnedModel
from revops.models.crm import PartnerType

SPLIT_RANGE = models.Q(split_percent__gte=Decimal("0")) & models.Q(split_percent__lte=Decimal("100"))


# The role a partner plays on a deal is one of the partner types of the core model.
PartnerRole = PartnerType


class LinkSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    RULE = "rule", "Rule"
    REGISTRATION = "registration", "Deal registration"
    TOUCHPOINT = "touchpoint", "Partner touchpoint"
    SYNC = "sync", "CRM sync"
    SALESFORCE = "salesforce", "Salesforce OpportunityPartner"


class LinkStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    PENDING = "pending", "Pending"


class OpportunityPartner(OrganizationOwnedModel):
    """A partner's part in one deal: its role and, when set, its fixed share of the deal.

    A null split means "use the rules and the organization's defaults".
    """

    opportunity = models.ForeignKey(
        "revops.Opportunity", on_delete=models.PROTECT, related_name="partner_links"
    )
    partner = models.ForeignKey("revops.Partner", on_delete=models.PROTECT, related_name="opportunity_links")
    role = models.CharField(max_length=16, choices=PartnerRole.choices, db_index=True)
    split_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=16, choices=LinkSource.choices, default=LinkSource.MANUAL)
    status = models.CharField(
        max_length=16, choices=LinkStatus.choices, default=LinkStatus.ACTIVE, db_index=True
    )
    # The CRM record the link mirrors (a Salesforce OpportunityPartner id); empty when made here.
    external_id = models.CharField(max_length=64, blank=True, default="")
    is_primary = models.BooleanField(default=False, help_text="The CRM marks this partner primary.")

    class Meta:
        ordering = ["opportunity", "partner", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "partner", "role"], name="opportunitypartner_unique_role"
            ),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~models.Q(external_id=""),
                name="opportunitypartner_unique_external",
            ),
            models.CheckConstraint(
                condition=models.Q(split_percent__isnull=True) | SPLIT_RANGE,
                name="opportunitypartner_split_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.role} on deal {self.opportunity_id}"


class AccountPartner(OrganizationOwnedModel):
    """A partner's share of all revenue of one account (the shares of an account cap at 100 %)."""

    account = models.ForeignKey("revops.Account", on_delete=models.PROTECT, related_name="partner_links")
    partner = models.ForeignKey("revops.Partner", on_delete=models.PROTECT, related_name="account_links")
    role = models.CharField(max_length=16, choices=PartnerRole.choices, db_index=True)
    split_percent = models.DecimalField(max_digits=5, decimal_places=2)
    source = models.CharField(max_length=16, choices=LinkSource.choices, default=LinkSource.MANUAL)
    status = models.CharField(
        max_length=16, choices=LinkStatus.choices, default=LinkStatus.ACTIVE, db_index=True
    )

    class Meta:
        ordering = ["account", "partner", "role"]
        constraints = [
            models.UniqueConstraint(fields=["account", "partner", "role"], name="accountpartner_unique_role"),
            models.CheckConstraint(condition=SPLIT_RANGE, name="accountpartner_split_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.role} on account {self.account_id}"
