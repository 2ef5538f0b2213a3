"""Partner touchpoints (activities a partner reports) and split changes waiting for approval."""

from __future__ import annotations

from django.db import models

from partners.models.approvals import ApprovalState, ApprovalStatus
from revops.models import OrganizationOwnedModel
from revops.models.crm import PartnerType


class ActivityType(models.TextChoices):
    WORKSHOP = "workshop", "Workshop"
    DEMO = "demo", "Demo"
    EVENT = "event", "Event"
    CALL = "call", "Call"
    POC = "poc", "Proof of concept"
    TRAINING = "training", "Training"
    OTHER = "other", "Other"


class PartnerTouchpoint(ApprovalState):
    """An activity a partner reports for an account (a workshop, a demo, a POC...).

    It counts only once approved: approval gives the partner an influence link (source
    "touchpoint") on the touchpoint's deal — or, without one, on the account's open deals —
    where the partner has no link yet, and the activity enters marketing journeys as a
    "Partner" touch (see partners.services.touchpoints and partners.providers).
    """

    partner = models.ForeignKey("revops.Partner", on_delete=models.PROTECT, related_name="touchpoints")
    account = models.ForeignKey("revops.Account", on_delete=models.PROTECT, related_name="+")
    opportunity = models.ForeignKey(
        "revops.Opportunity", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activity_type = models.CharField(max_length=16, choices=ActivityType.choices)
    occurred_on = models.DateField()
    description = models.TextField()
    # The deals the approval linked the partner to (ids), for the explanation pages.
    credited_opportunity_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "step_due_at"], name="touchpoint_queue"),
            models.Index(fields=["organization", "partner", "status"], name="touchpoint_partner"),
            models.Index(fields=["organization", "status", "occurred_on"], name="touchpoint_journey"),
        ]

    def __str__(self) -> str:
        return f"Touchpoint {self.pk}: {self.get_activity_type_display()}"

    @property
    def title(self) -> str:
        return f"{self.get_activity_type_display()} on {self.occurred_on}"


def touchpoint_attachment_path(instance: TouchpointAttachment, filename: str) -> str:
    return f"partners/touchpoints/{instance.organization_id}/{instance.touchpoint_id}/{filename}"


class TouchpointAttachment(OrganizationOwnedModel):
    """Evidence a partner attached to a touchpoint (size and type checked at upload)."""

    touchpoint = models.ForeignKey(PartnerTouchpoint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=touchpoint_attachment_path)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)

    class Meta:
        ordering = ["touchpoint", "id"]

    def __str__(self) -> str:
        return self.name


class SplitChangeRequest(ApprovalState):
    """A change of a partner's split on a deal larger than the organization allows without
    approval (`ProgramSettings.split_change_review_points`), waiting in the approval queue.

    Approval applies it through partner attribution's link service (the ledger follows as an
    adjustment); rejection changes nothing. `current_split` is the split when it was asked:
    if the deal's split moved since, approval is refused rather than applied on a stale base.
    """

    opportunity = models.ForeignKey("revops.Opportunity", on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey("revops.Partner", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=PartnerType.choices)
    current_split = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    proposed_split = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    reason = models.TextField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "step_due_at"], name="splitchange_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "partner", "role"],
                condition=models.Q(status=ApprovalStatus.SUBMITTED),
                name="splitchange_one_pending_per_link",
                violation_error_message="A change of this split already waits for approval.",
            ),
        ]

    def __str__(self) -> str:
        return f"Split change {self.pk}"

    @property
    def points(self):
        """How many percentage points the split moves (a missing split counts as 0)."""
        return abs((self.proposed_split or 0) - (self.current_split or 0))
