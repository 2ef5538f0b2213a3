"""Admin for the CRM rows: accounts, partners, catalog, opportunities and their stage history."""

from __future__ import annotations

from django.contrib import admin

from revops.admin.base import CappedPaginator, OrganizationScopedAdmin, ReadOnlyInline, ReadOnlyScopedAdmin
from revops.admin.imports import FrameworkImportMixin, ScopedExportMixin
from revops.models import Account, Opportunity, OpportunityStageChange, Partner, Product, ProductLine
from revops.resources import (
    AccountResource,
    OpportunityExportResource,
    PartnerResource,
    ProductLineResource,
    ProductResource,
)
from revops.services.crm import opportunity_create, opportunity_update


@admin.register(Account)
class AccountAdmin(FrameworkImportMixin, OrganizationScopedAdmin):
    import_kind = "accounts"
    resource_classes = [AccountResource]
    list_display = ("name", "domain", "segment", "region", "industry", "owner", "external_id")
    list_filter = ("segment", "region", "industry")
    list_select_related = ("owner",)
    search_fields = ("name", "domain", "external_id")
    autocomplete_fields = ("owner",)
    ordering = ("name", "id")


@admin.register(Partner)
class PartnerAdmin(FrameworkImportMixin, OrganizationScopedAdmin):
    import_kind = "partners"
    resource_classes = [PartnerResource]
    list_display = ("name", "tier", "status", "lifecycle_stage", "domain", "external_id")
    list_filter = ("tier", "status", "lifecycle_stage")
    list_select_related = ("organization",)
    search_fields = ("name", "domain", "external_id")
    ordering = ("name", "id")


@admin.register(ProductLine)
class ProductLineAdmin(FrameworkImportMixin, OrganizationScopedAdmin):
    import_kind = "product_lines"
    resource_classes = [ProductLineResource]
    list_display = ("name", "code")
    list_filter = ("created_at",)
    list_select_related = ("organization",)
    search_fields = ("name", "code")
    ordering = ("name",)


@admin.register(Product)
class ProductAdmin(FrameworkImportMixin, OrganizationScopedAdmin):
    import_kind = "products"
    resource_classes = [ProductResource]
    list_display = ("name", "sku", "product_line", "list_price", "is_active")
    # RelatedOnly: the filter offers the lines of the rows in the (scoped) changelist only.
    list_filter = ("is_active", ("product_line", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("product_line",)
    search_fields = ("name", "sku")
    autocomplete_fields = ("product_line",)
    ordering = ("name",)


class StageChangeInline(ReadOnlyInline):
    model = OpportunityStageChange
    fields = ("changed_at", "from_stage", "to_stage", "amount", "changed_by")
    readonly_fields = fields
    ordering = ("changed_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


@admin.register(Opportunity)
class OpportunityAdmin(ScopedExportMixin, OrganizationScopedAdmin):
    resource_classes = [OpportunityExportResource]
    list_display = ("name", "account", "owner", "stage", "amount", "currency", "expected_close_date")
    list_filter = ("stage", "currency", "created_date", "close_date")
    list_select_related = ("account", "owner")
    search_fields = ("name", "external_id", "account__name")
    autocomplete_fields = ("account", "owner", "product_line")
    ordering = ("-created_date", "-id")
    paginator = CappedPaginator
    inlines = [StageChangeInline]

    def create_via_service(self, request, *, organization, data):
        return opportunity_create(organization=organization, actor=request.user, data=data)

    def update_via_service(self, request, *, instance, data):
        return opportunity_update(opportunity=instance, actor=request.user, data=data)


@admin.register(OpportunityStageChange)
class OpportunityStageChangeAdmin(ReadOnlyScopedAdmin):
    list_display = ("opportunity", "from_stage", "to_stage", "amount", "changed_at", "changed_by")
    list_filter = ("to_stage", "from_stage", "changed_at")
    list_select_related = ("opportunity", "changed_by")
    search_fields = ("opportunity__name", "opportunity__external_id")
    autocomplete_fields = ("opportunity", "changed_by")
    ordering = ("-changed_at", "-id")
    paginator = CappedPaginator
