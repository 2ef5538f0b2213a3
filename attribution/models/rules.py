"""Split rules, and the immutable versions every change to a rule creates."""

from django.conf import settings
from django.db import models

from revops.models import OrganizationOwnedModel


class AttributionRule(OrganizationOwnedModel):
    """A named split rule; its definition lives in its versions, the latest one is current."""

    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    priority = models.PositiveIntegerField(default=100, help_text="Lower runs first.")
    is_active = models.BooleanField(default=True, db_index=True)
    current_version = models.ForeignKey(
        "attribution.AttributionRuleVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["priority", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="attributionrule_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class AttributionRuleVersion(OrganizationOwnedModel):
    """One saved state of a rule; never edited, so ledger entries can cite what produced them."""

    rule = models.ForeignKey(AttributionRule, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField(default=dict)
    is_active = models.BooleanField(default=True)
    priority = models.PositiveIntegerField(default=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    change_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="attributionruleversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.number}"
