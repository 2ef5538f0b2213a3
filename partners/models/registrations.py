"""Deal registrations: a partner's claim on a prospect, its conflict check and attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from revops.models import OrganizationOwnedModel
from revops.models.crm import PartnerType


class RegistrationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Registrations that still claim their account: waiting for a decision, or approved.
ACTIVE_STATUSES = (RegistrationStatus.SUBMITTED, RegistrationStatus.APPROVED)


class DealRegistration(OrganizationOwnedModel):
    """A partner's registration of a deal it brings: its own object, not an opportunity.

    The conflict check is stored with it (`conflict`, a JSON summary written at submission
    and again at each decision). Approval links (or creates) the Opportunity and gives the
    account and product line exclusivity until `protected_until`.
    """

    partner = models.ForeignKey("revops.Partner", on_delete=models.PROTECT, related_name="registrations")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="deal_registrations"
    )
    # Who filled the form when it came without a portal login (a signed link or the intake
    # e-mail); `submitted_by` is then empty.
    submitter_name = models.CharField(max_length=200, blank=True)
    submitter_email = models.EmailField(blank=True)
    link = models.ForeignKey(
        "partners.RegistrationLink",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    account_name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True)
    # Matching keys (revops.matching), so registrations not yet linked to an account find
    # each other with indexed lookups.
    name_key = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    domain_key = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    description = models.TextField(blank=True)
    estimated_value = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    product_line = models.ForeignKey("revops.ProductLine", on_delete=models.PROTECT, related_name="+")
    expected_close = models.DateField()
    role = models.CharField(max_length=16, choices=PartnerType.choices)
    status = models.CharField(
        max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.SUBMITTED, db_index=True
    )
    # The conflict check as stored at submission (see partners.services.conflicts).
    conflict = models.JSONField(default=dict, blank=True)
    has_conflict = models.BooleanField(default=False, db_index=True)
    # Which approval step waits (0-based index into `steps`), and the steps the policy chose.
    steps = models.JSONField(default=list, blank=True)
    current_step = models.PositiveSmallIntegerField(default=0)
    step_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalated = models.BooleanField(default=False)
    account = models.ForeignKey(
        "revops.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opportunity = models.ForeignKey(
        "revops.Opportunity", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    protected_until = models.DateField(null=True, blank=True, db_index=True)
    expiry_notice_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_value__gte=0),
                name="dealregistration_value_gte_0",
                violation_error_message="The estimated value cannot be negative.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=RegistrationStatus.APPROVED)
                | (models.Q(protected_until__isnull=False) & models.Q(opportunity__isnull=False)),
                name="dealregistration_approved_is_linked",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "step_due_at"], name="dealreg_queue"),
            models.Index(fields=["organization", "partner", "status"], name="dealreg_partner"),
            models.Index(
                fields=["organization", "account", "product_line", "status"], name="dealreg_protect"
            ),
        ]

    def __str__(self) -> str:
        return f"Registration {self.pk}: {self.account_name}"

    @property
    def requester_email(self) -> str:
        """Where decisions and expiry notices go: the submitting user, else the form's e-mail."""
        return self.submitted_by.email if self.submitted_by else self.submitter_email


def attachment_path(instance: RegistrationAttachment, filename: str) -> str:
    return f"partners/registrations/{instance.organization_id}/{instance.registration_id}/{filename}"


class RegistrationAttachment(OrganizationOwnedModel):
    """A file a partner attached to a registration (size and type checked at upload)."""

    registration = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)

    class Meta:
        ordering = ["registration", "id"]

    def __str__(self) -> str:
        return self.name
