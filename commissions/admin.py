"""Admin for commissions: plans and their versions, assignments, objectives, and the tables that
resolve sales sources (rep aliases, territories, service mappings), with import/export.

Sales transactions and cash receipts are read-only here: they come in through the sales and
payments imports (page, API, command; the receipts' list links to the payments import) with
their source file and line, and a correction is a new row.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from commissions.models import (
    BusinessObjective,
    CashReceipt,
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
    CashReceiptExportResource,
    RepAliasResource,
    ServiceMappingResource,
    TerritoryResource,
)
from commissions.services.receipts_import import RECEIPTS_IMPORT
from revops.admin.base import CappedPaginator, OrganizationScopedAdmin, ReadOnlyScopedAdmin
from revops.admin.imports import ScopedExportMixin, ScopedImportExportMixin
from revops.permissions import has_cap


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


@admin.register(CashReceipt)
class CashReceiptAdmin(ScopedExportMixin, ReadOnlyScopedAdmin):
    """Cash received per document (plans paid on cash); imported through the payments kind."""

    resource_classes = [CashReceiptExportResource]
    change_list_template = "admin/commissions/cashreceipt/change_list.html"
    list_display = ("date", "document_number", "amount", "source_file", "source_row")
    list_filter = ("date",)
    search_fields = ("document_number", "dedupe_key", "source_file")
    date_hierarchy = "date"
    paginator = CappedPaginator
    show_full_result_count = False
    ordering = ("-date", "-id")

    def changelist_view(self, request, extra_context=None):
        # Importing is the payments kind's page (preview, confirm, all or nothing, audited).
        can_import = has_cap(getattr(request, "membership", None), RECEIPTS_IMPORT.capability)
        extra = {
            "import_url": reverse("revops:import-upload", args=[RECEIPTS_IMPORT.name]) if can_import else ""
        }
        return super().changelist_view(request, extra_context={**(extra_context or {}), **extra})


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
