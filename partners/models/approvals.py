"""Approval policies (configured in the admin) and the audited decisions taken under them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from revops.models import OrganizationOwnedModel, Role
from revops.models.crm import Partner, Region


class ApprovalPolicy(OrganizationOwnedModel):
    """An ordered chain of approval steps for deal registrations.

    The first active policy (lowest `priority`) with at least one matching step decides a
    registration's chain; the steps whose conditions match the registration, in their order,
    are the chain. No matching policy: one step for any member who may approve.
    """

    name = models.CharField(max_length=120)
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


class ApprovalDecision(OrganizationOwnedModel):
    """One decision on one step of a registration: who, what, why, when (never edited)."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    registration = models.ForeignKey(
        "partners.DealRegistration", on_delete=models.PROTECT, related_name="decisions"
    )
    step = models.PositiveSmallIntegerField()
    step_name = models.CharField(max_length=120)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    escalated = models.BooleanField(default=False)

    class Meta:
        ordering = ["registration", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "step"], name="approvaldecision_one_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} step {self.step}: {self.outcome}"
