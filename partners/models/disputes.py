"""Partner disputes: a claim that a deal's partner split (or one statement line) is wrong,
its thread, and how it was settled."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from revops.models import OrganizationOwnedModel
from revops.models.crm import PartnerType


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UNDER_REVIEW = "under_review", "Under review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Disputes that still wait for an answer.
PENDING_DISPUTE_STATUSES = (DisputeStatus.OPEN, DisputeStatus.UNDER_REVIEW)


class DisputeSide(models.TextChoices):
    PARTNER = "partner", "Partner"
    INTERNAL = "internal", "Internal"


class PartnerDispute(OrganizationOwnedModel):
    """A partner's (or a rep's on its behalf) claim on the partner's split of one deal.

    Opened on the deal's attribution, or on one line of the partner's statement (`entry`, an
    attribution ledger entry of that deal). Status: open → under review → accepted, rejected
    or withdrawn. Accepted, the proposed split is set through partner attribution's link
    service and the ledger difference is posted at once, each entry citing the dispute.
    `due_at` is opening time plus the program's dispute SLA.
    """

    partner = models.ForeignKey("revops.Partner", on_delete=models.PROTECT, related_name="disputes")
    opportunity = models.ForeignKey("revops.Opportunity", on_delete=models.PROTECT, related_name="+")
    # The disputed statement line: an attribution ledger entry (the ledger keeps no foreign keys).
    entry = models.ForeignKey(
        "attribution.AttributionEntry",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    role = models.CharField(max_length=16, choices=PartnerType.choices)
    side = models.CharField(max_length=16, choices=DisputeSide.choices)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    claim = models.TextField(max_length=4000)
    current_split_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    proposed_split_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="The partner's split on the deal the dispute asks for, in percent.",
    )
    status = models.CharField(
        max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN, db_index=True
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_started_at = models.DateTimeField(null=True, blank=True)
    resolution_reason = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(db_index=True)
    # The ledger postings of an accepted dispute: how many entries, and their net amount.
    adjustment_entries = models.PositiveIntegerField(default=0)
    adjustment_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposed_split_percent__gte=0) & models.Q(proposed_split_percent__lte=100),
                name="partnerdispute_split_0_100",
                violation_error_message="The proposed split is a percent between 0 and 100.",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "due_at"], name="pdispute_queue"),
            models.Index(fields=["organization", "partner", "status"], name="pdispute_partner"),
        ]

    def __str__(self) -> str:
        return f"Dispute {self.pk} ({self.get_status_display()})"


def dispute_attachment_path(instance: DisputeAttachment, filename: str) -> str:
    return f"partners/disputes/{instance.organization_id}/{instance.dispute_id}/{filename}"


class DisputeAttachment(OrganizationOwnedModel):
    """Evidence attached to a dispute (size and type checked at upload)."""

    dispute = models.ForeignKey(PartnerDispute, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=dispute_attachment_path)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)

    class Meta:
        ordering = ["dispute", "id"]

    def __str__(self) -> str:
        return self.name


class DisputeComment(OrganizationOwnedModel):
    """One message of a dispute's thread; an internal note is never shown to the partner."""

    dispute = models.ForeignKey(PartnerDispute, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=16, choices=DisputeSide.choices)
    body = models.TextField(max_length=4000)
    internal = models.BooleanField(default=False)

    class Meta:
        ordering = ["dispute", "created_at", "id"]

    def __str__(self) -> str:
        return f"{'Note' if self.internal else 'Comment'} on dispute {self.dispute_id}"
