"""Program settings of an organization and the explicit partner-manager grant."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from revops.models import OrganizationOwnedModel


class ProgramSettings(OrganizationOwnedModel):
    """An organization's deal-registration terms: protection window, expiry notice, attachments."""

    protection_days = models.PositiveIntegerField(
        default=90,
        help_text="Days of exclusivity an approved registration gives its account and product line.",
    )
    expiry_notice_days = models.PositiveIntegerField(
        default=14, help_text="How many days before its protection ends the partner is told."
    )
    default_sla_hours = models.PositiveIntegerField(
        default=48, help_text="SLA of the single approval step used when no policy matches."
    )
    dispute_sla_hours = models.PositiveIntegerField(
        default=120, help_text="Hours within which a partner dispute should be resolved."
    )
    tier_downgrade_needs_approval = models.BooleanField(
        default=False,
        help_text="A downgrade proposed by the tier computation waits for a channel manager's approval.",
    )
    health_drop_alert_points = models.PositiveSmallIntegerField(
        default=15, help_text="Alert when a partner's health drops by at least this many points."
    )
    inactive_alert_days = models.PositiveIntegerField(
        default=60, help_text="Alert when an active partner has had no activity for this many days."
    )
    split_change_review_points = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="A change of a deal's partner split by more than this many percentage points waits "
        "for approval in the queue; blank: split changes apply at once.",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="programsettings_one_per_org")]
        verbose_name_plural = "program settings"

    def __str__(self) -> str:
        return f"Program settings ({self.protection_days} days)"


class PartnerManagerGrant(OrganizationOwnedModel):
    """A partner user who sees all of their partner's registrations, not only their own.

    Granted explicitly (by an organization admin in the admin); a partner user without a grant
    sees the registrations they submitted.
    """

    membership = models.OneToOneField(
        "revops.Membership", on_delete=models.CASCADE, related_name="partner_manager_grant"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Partner manager: {self.membership}"
