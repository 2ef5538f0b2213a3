"""Admin for commissions: plans and their versions, assignments, objectives, and the tables that
resolve sales sources (rep aliases, territories, service mappings), with import/export.

Sales transactions are read-only here: they come in through the sales import (page, API,
command) with their source file and line, and a correction is a new row.
"""

from __future__ import annotations

from django.contrib import admin

from commissions.models import (
    BusinessObjective,
    CommissionPlan,
    CommissionPlanVersion,
    PlanAssignment,
    RepAlias,
    SalesTransaction,
    ServiceMapping,
    Territory,
)
from commissions.permissions import CommissionCap
from commissions.resources import (
    BusinessObjectiveResource,
    RepAliasResource,
    ServiceMappingResource,
    TerritoryResource,
)
from revops.admin.base import CappedPaginator, OrganizationScopedAdmin, ReadOnlyScopedAdmin
from revops.admin.imports import ScopedImportExportMixin


class _PlanEditAdmin(OrganizationScopedAdmin):
    edit_cap = CommissionCap.PLAN_EDIT  # type: ignore[assignment]


@admin.register(SalesTransaction)
class SalesTransactionAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "date",
        "document_number",
        "rep",
        "product_line",
        "customer",
        "sales_amount",
        "commission_base",
        "source_file",
        "source_row",
    )
    list_filter = ("date", ("product_line", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("rep", "product_line")
    search_fields = ("document_number", "customer", "dedupe_key", "sku")
    date_hierarchy = "date"
    paginator = CappedPaginator
    ordering = ("-date", "-id")


class PlanVersionInline(admin.TabularInline):
    model = CommissionPlanVersion
    extra = 0
    can_delete = False
    fields = (
        "version",
        "effective_from",
        "tier1_rate",
        "tier2_rate",
        "semantics",
        "objective_period",
        "basis",
        "reason",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CommissionPlan)
class CommissionPlanAdmin(_PlanEditAdmin):
    list_display = ("name", "is_active")
    search_fields = ("name",)
    inlines = [PlanVersionInline]


@admin.register(CommissionPlanVersion)
class CommissionPlanVersionAdmin(_PlanEditAdmin):
    list_display = (
        "plan",
        "version",
        "effective_from",
        "tier1_rate",
        "tier2_rate",
        "semantics",
        "objective_period",
        "basis",
    )
    list_filter = ("semantics", "objective_period", "basis")
    list_select_related = ("plan",)
    autocomplete_fields = ("plan",)

    def has_change_permission(self, request, obj=None):
        # Versions are append-only (a database trigger refuses edits): new terms, new version.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanAssignment)
class PlanAssignmentAdmin(_PlanEditAdmin):
    list_display = ("rep", "product_line", "plan", "start", "end")
    list_filter = (
        ("product_line", admin.RelatedOnlyFieldListFilter),
        ("plan", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("rep", "product_line", "plan")
    autocomplete_fields = ("plan",)


@admin.register(BusinessObjective)
class BusinessObjectiveAdmin(ScopedImportExportMixin, _PlanEditAdmin):
    resource_classes = [BusinessObjectiveResource]
    list_display = ("rep", "product_line", "month", "amount")
    list_filter = ("month", ("product_line", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("rep", "product_line")
    ordering = ("rep", "product_line", "month")


@admin.register(RepAlias)
class RepAliasAdmin(ScopedImportExportMixin, _PlanEditAdmin):
    resource_classes = [RepAliasResource]
    list_display = ("alias", "rep")
    list_select_related = ("rep",)
    search_fields = ("alias",)


@admin.register(Territory)
class TerritoryAdmin(ScopedImportExportMixin, _PlanEditAdmin):
    resource_classes = [TerritoryResource]
    list_display = ("code", "product_line", "rep")
    list_select_related = ("rep", "product_line")
    search_fields = ("code",)


@admin.register(ServiceMapping)
class ServiceMappingAdmin(ScopedImportExportMixin, _PlanEditAdmin):
    resource_classes = [ServiceMappingResource]
    list_display = ("service", "product_line", "product")
    list_select_related = ("product_line", "product")
    search_fields = ("service",)
