"""Admin for the partner program: approval policies with their ordered steps, program
settings, partner-manager grants; registrations, decisions and disputes read-only (they change
only through the portal, the approval queue and the dispute pages)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from partners.models import (
    PENDING_DISPUTE_STATUSES,
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalStep,
    DealRegistration,
    OnboardingStep,
    PartnerCertification,
    PartnerDispute,
    PartnerManagerGrant,
    PartnerTierChange,
    ProgramSettings,
    ProgramTier,
)
from partners.permissions import PartnerCap
from partners.services.standing import program_recompute_enqueue
from revops.admin.base import (
    CappedPaginator,
    OrganizationScopedAdmin,
    ReadOnlyScopedAdmin,
    ScopedInline,
    request_organization,
)


class _ProgramAdmin(OrganizationScopedAdmin):
    edit_cap = PartnerCap.PROGRAM_EDIT  # type: ignore[assignment]


class ApprovalStepInline(ScopedInline):
    edit_cap = PartnerCap.PROGRAM_EDIT
    model = ApprovalStep
    extra = 1
    fields = (
        "order",
        "name",
        "approver_role",
        "approver_user",
        "sla_hours",
        "escalate_to",
        "min_value",
        "partner_tier",
        "region",
        "product_line",
        "only_with_conflict",
    )


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(_ProgramAdmin):
    list_display = ("name", "kind", "priority", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    inlines = (ApprovalStepInline,)

    def save_formset(self, request, form, formset, change):
        # Steps belong to their policy's organization (the form never asks for it).
        for step_form in formset.forms:
            if step_form.instance and not step_form.instance.organization_id:
                step_form.instance.organization_id = form.instance.organization_id
        super().save_formset(request, form, formset, change)


@admin.register(ProgramSettings)
class ProgramSettingsAdmin(_ProgramAdmin):
    list_display = (
        "protection_days",
        "expiry_notice_days",
        "default_sla_hours",
        "dispute_sla_hours",
        "tier_downgrade_needs_approval",
        "health_drop_alert_points",
        "inactive_alert_days",
    )


@admin.register(ProgramTier)
class ProgramTierAdmin(_ProgramAdmin):
    list_display = (
        "tier",
        "rank",
        "window_days",
        "min_attributed_revenue",
        "min_registrations_won",
        "min_certifications",
    )
    ordering = ("rank",)
    actions = ["recompute_program"]

    @admin.action(description="Recompute tiers, health and alerts now", permissions=["recompute"])
    def recompute_program(self, request, queryset):
        organization = request_organization(request)
        if organization is None:
            self.message_user(request, "Choose an organization first.", messages.ERROR)
            return
        job, _ = program_recompute_enqueue(organization=organization, acting_user=request.user)
        self.message_user(request, f"Recompute queued (job #{job.pk}).", messages.SUCCESS)

    def has_recompute_permission(self, request) -> bool:
        return self._granted(request, PartnerCap.PROGRAM_MANAGE)  # type: ignore[arg-type]


@admin.register(PartnerCertification)
class PartnerCertificationAdmin(_ProgramAdmin):
    list_display = ("name", "partner", "issued_on", "expires_on")
    list_select_related = ("partner",)
    search_fields = ("name", "partner__name")


@admin.register(OnboardingStep)
class OnboardingStepAdmin(_ProgramAdmin):
    list_display = ("name", "order")
    ordering = ("order",)


@admin.register(PartnerTierChange)
class PartnerTierChangeAdmin(ReadOnlyScopedAdmin):
    list_display = ("partner", "from_tier", "to_tier", "status", "created_at", "decided_by")
    list_filter = ("status", "is_downgrade")
    list_select_related = ("partner", "decided_by")
    search_fields = ("partner__name",)
    paginator = CappedPaginator
    ordering = ("-created_at", "-id")


@admin.register(PartnerManagerGrant)
class PartnerManagerGrantAdmin(_ProgramAdmin):
    list_display = ("membership", "granted_by", "created_at")
    list_select_related = ("membership__user", "membership__partner", "granted_by")
    exclude = ("granted_by",)

    def create_via_service(self, request, *, organization, data):
        return super().create_via_service(
            request, organization=organization, data=data | {"granted_by": request.user}
        )


@admin.register(DealRegistration)
class DealRegistrationAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "id",
        "partner",
        "account_name",
        "product_line",
        "estimated_value",
        "status",
        "protected_until",
    )
    list_filter = ("status", "has_conflict")
    list_select_related = ("partner", "product_line")
    search_fields = ("account_name", "domain", "partner__name")
    paginator = CappedPaginator
    ordering = ("-created_at", "-id")


@admin.register(ApprovalDecision)
class ApprovalDecisionAdmin(ReadOnlyScopedAdmin):
    list_display = ("registration", "step_name", "outcome", "decided_by", "created_at", "escalated")
    list_filter = ("outcome",)
    list_select_related = ("registration", "decided_by")
    paginator = CappedPaginator
    ordering = ("-created_at", "-id")


class DisputeOverdueFilter(admin.SimpleListFilter):
    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("breached", "Pending past due")]

    def queryset(self, request, queryset):
        if self.value() == "breached":
            return queryset.filter(status__in=PENDING_DISPUTE_STATUSES, due_at__lt=timezone.now())
        return queryset


@admin.register(PartnerDispute)
class PartnerDisputeAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "id",
        "partner",
        "opportunity",
        "role",
        "current_split_percent",
        "proposed_split_percent",
        "status",
        "side",
        "due_at",
        "resolved_at",
    )
    list_filter = ("status", "side", DisputeOverdueFilter)
    list_select_related = ("partner", "opportunity")
    search_fields = ("partner__name", "opportunity__name", "claim")
    paginator = CappedPaginator
    ordering = ("due_at", "id")
