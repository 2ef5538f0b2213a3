"""Approval policies (configured in the admin) and the audited decisions taken under them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from revops.models import OrganizationOwnedModel, Role
from revops.models.crm import Partner, Region


class ApprovalKind(models.TextChoices):
    """What one approval engine decides: every kind has its own policies, queue rows and stats."""

    REGISTRATION = "registration", "Deal registration"
    TOUCHPOINT = "touchpoint", "Partner touchpoint"
    SPLIT_CHANGE = "split_change", "Split change"


class ApprovalStatus(models.TextChoices):
    """Status of a touchpoint or a split-change request on its way through approval."""

    SUBMITTED = "submitted", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ApprovalPolicy(OrganizationOwnedModel):
    """An ordered chain of approval steps for one kind of request (`kind`).

    The first active policy of the request's kind (lowest `priority`) with at least one
    matching step decides the chain; the steps whose conditions match the request, in their
    order, are the chain. No matching policy: one step for any member who may approve.
    """

    name = models.CharField(max_length=120)
    kind = models.CharField(
        max_length=16, choices=ApprovalKind.choices, default=ApprovalKind.REGISTRATION, db_index=True
    )
    priority = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name_plural = "approval policies"

    def __str__(self) -> str:
        return self.name


class ApprovalStep(OrganizationOwnedModel):
    """One step of a policy: who decides, within how long, and when the step applies.

    Conditions left blank match everything: `min_value` (estimated value at or above),
    `partner_tier`, `region` (of the matched account), `product_line`, `only_with_conflict`.
    The approver is a named user or, when none is named, any member of `approver_role`.
    Past its SLA the step also accepts the decision of `escalate_to`.
    """

    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=120)
    approver_role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    approver_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sla_hours = models.PositiveIntegerField(default=48)
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    min_value = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    partner_tier = models.CharField(max_length=16, choices=Partner.Tier.choices, blank=True)
    region = models.CharField(max_length=8, choices=Region.choices, blank=True)
    product_line = models.ForeignKey(
        "revops.ProductLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    only_with_conflict = models.BooleanField(default=False)

    class Meta:
        ordering = ["policy", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(approver_role="") | models.Q(approver_user__isnull=False),
                name="approvalstep_has_approver",
                violation_error_message="Name an approver: a role or a user.",
            ),
            models.CheckConstraint(
                condition=~models.Q(approver_role=Role.PARTNER),
                name="approvalstep_not_partner_role",
                violation_error_message="Partner users do not approve.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.order}. {self.name}"


class ApprovalState(OrganizationOwnedModel):
    """The approval engine's bookkeeping on a request (touchpoints, split changes).

    `steps` is the chain the policy chose at submission (JSON, see partners.selectors.approvals),
    `current_step` the waiting step (0-based), `step_due_at` its SLA. Deal registrations carry
    the same fields on their own model.
    """

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.SUBMITTED, db_index=True
    )
    has_conflict = models.BooleanField(default=False)
    steps = models.JSONField(default=list, blank=True)
    current_step = models.PositiveSmallIntegerField(default=0)
    step_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalated = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def requester_email(self) -> str:
        return self.submitted_by.email if self.submitted_by else ""


class ApprovalDecision(OrganizationOwnedModel):
    """One decision on one step of a request: who, what, why, when (never edited).

    Exactly one of `registration`, `touchpoint`, `split_change` names the request decided.
    """

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    registration = models.ForeignKey(
        "partners.DealRegistration", null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    touchpoint = models.ForeignKey(
        "partners.PartnerTouchpoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    split_change = models.ForeignKey(
        "partners.SplitChangeRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    step = models.PositiveSmallIntegerField()
    step_name = models.CharField(max_length=120)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    escalated = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "step"], name="approvaldecision_one_per_step"),
            models.UniqueConstraint(
                fields=["touchpoint", "step"],
                condition=models.Q(touchpoint__isnull=False),
                name="approvaldecision_touchpoint_one_per_step",
            ),
            models.UniqueConstraint(
                fields=["split_change", "step"],
                condition=models.Q(split_change__isnull=False),
                name="approvaldecision_split_one_per_step",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(registration__isnull=False, touchpoint__isnull=True, split_change__isnull=True)
                    | models.Q(registration__isnull=True, touchpoint__isnull=False, split_change__isnull=True)
                    | models.Q(registration__isnull=True, touchpoint__isnull=True, split_change__isnull=False)
                ),
                name="approvaldecision_one_subject",
            ),
        ]

    def __str__(self) -> str:
        subject = self.registration_id or self.touchpoint_id or self.split_change_id
        return f"{subject} step {self.step}: {self.outcome}"
