"""Admin for distribution: campaigns, salesperson profiles, leads and configurations (saved
through the config service: validated, one version per save); runs and assignments read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from distribution.models import (
    Campaign,
    DistributionConfig,
    DistributionConfigVersion,
    DistributionRun,
    Lead,
    LeadAssignment,
    SalespersonProfile,
)
from distribution.permissions import DistributionCap
from distribution.services.configs import config_create, config_update
from revops.admin.base import CappedPaginator, OrganizationScopedAdmin, ReadOnlyInline, ReadOnlyScopedAdmin


@admin.register(Campaign)
class CampaignAdmin(OrganizationScopedAdmin):
    edit_cap = DistributionCap.CONFIG_EDIT  # type: ignore[assignment]
    list_display = ("name", "active")
    search_fields = ("name",)


@admin.register(SalespersonProfile)
class SalespersonProfileAdmin(OrganizationScopedAdmin):
    edit_cap = DistributionCap.CONFIG_EDIT  # type: ignore[assignment]
    list_display = ("user", "campaign", "active", "team", "level", "target_leads", "capacity")
    list_filter = ("active", "level")
    list_select_related = ("user", "campaign")
    search_fields = ("user__email", "team", "level")
    raw_id_fields = ("user",)


@admin.register(Lead)
class LeadAdmin(OrganizationScopedAdmin):
    edit_cap = DistributionCap.LEAD_EDIT  # type: ignore[assignment]
    list_display = ("name", "email", "company", "web_source", "campaign", "status", "owner", "received_at")
    list_filter = ("status", "do_not_call")
    list_select_related = ("campaign", "owner")
    search_fields = ("name", "email", "company", "external_id")
    raw_id_fields = ("owner", "account", "campaign")
    readonly_fields = ("owner", "assigned_at")
    paginator = CappedPaginator
    show_full_result_count = False


class VersionInline(ReadOnlyInline):
    model = DistributionConfigVersion
    fields = ("version", "created_by", "created_at")
    readonly_fields = fields
    ordering = ("-version",)


@admin.register(DistributionConfig)
class DistributionConfigAdmin(OrganizationScopedAdmin):
    """A save is validated by the engine's schema and becomes a new version; never deleted
    (runs name the version they ran): deactivate instead."""

    edit_cap = DistributionCap.CONFIG_EDIT  # type: ignore[assignment]
    list_display = ("name", "version", "active", "updated_at")
    fields = ("name", "document", "active", "version", "state")
    readonly_fields = ("version", "state")
    inlines = (VersionInline,)

    def has_delete_permission(self, request, obj=None):
        return False

    def create_via_service(self, request, *, organization, data: dict[str, Any]):
        return config_create(
            organization=organization,
            name=data["name"],
            document=data["document"],
            active=data.get("active", True),
            acting_user=request.user,
        )

    def update_via_service(self, request, *, instance, data: dict[str, Any]):
        return config_update(
            config=instance,
            document=data.get("document", instance.document),
            active=data.get("active"),
            acting_user=request.user,
        )


@admin.register(DistributionRun)
class DistributionRunAdmin(ReadOnlyScopedAdmin):
    list_display = ("config_name", "run_on", "mode", "status", "created_at")
    list_filter = ("mode", "status")
    ordering = ("-created_at", "-id")
    exclude = ("preview", "document")


@admin.register(LeadAssignment)
class LeadAssignmentAdmin(ReadOnlyScopedAdmin):
    list_display = ("lead", "rep", "strategy", "run", "created_at")
    list_filter = ("strategy",)
    list_select_related = ("lead", "rep", "run")
    raw_id_fields = ("lead", "rep", "run")
    paginator = CappedPaginator
    show_full_result_count = False
