"""Admin for partner attribution: settings are edited here (also on the settings page); links,
rules and the ledger are shown.

Split and rule changes need a reason and go through attribution.services, so those rows are
read-only here; the ledger and rule versions are append-only in the database as well.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.functional import cached_property

from attribution.forms import (
    DEFAULT_SPLIT_FIELDS,
    DefaultSplitFields,
    default_splits_cleaned,
    default_splits_initial,
    percent_field,
)
from attribution.models import (
    AccountPartner,
    AttributionEntry,
    AttributionPeriodSeal,
    AttributionRule,
    AttributionRuleVersion,
    AttributionSettings,
    OpportunityPartner,
    RevenueEvent,
)
from attribution.permissions import AttributionCap
from attribution.services.settings import attribution_settings_update
from revops.admin.base import CappedPaginator, OrganizationScopedAdmin, ReadOnlyInline, ReadOnlyScopedAdmin


class AttributionSettingsAdminForm(forms.ModelForm, DefaultSplitFields):
    """The settings with one percent field per partner role instead of the `default_splits` JSON."""

    si_fixed_percent = percent_field("SI fixed percent")

    class Meta:
        model = AttributionSettings
        fields = ("organization", "enforce_account_cap", "si_mode", "si_fixed_percent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, value in default_splits_initial(self.instance.defaults).items():
            self.initial.setdefault(name, value)

    def clean(self):
        data = super().clean()
        if not any(name in self.errors for name in DEFAULT_SPLIT_FIELDS):
            data["default_splits"] = default_splits_cleaned(data)
        return data

    @cached_property
    def changed_data(self) -> list[str]:
        # The admin passes the changed model fields to the service: a changed role field is a
        # change of `default_splits`.
        changed = list(super().changed_data)
        if any(name in changed for name in DEFAULT_SPLIT_FIELDS):
            changed.append("default_splits")
        return changed


@admin.register(AttributionSettings)
class AttributionSettingsAdmin(OrganizationScopedAdmin):
    view_cap = AttributionCap.SETTINGS_EDIT
    edit_cap = AttributionCap.SETTINGS_EDIT
    form = AttributionSettingsAdminForm
    list_display = ("organization", "enforce_account_cap", "si_mode", "si_fixed_percent")
    list_select_related = ("organization",)

    # Through the settings service, so a change that moves splits queues the ledger alignment.
    def _save(self, request, *, organization, data) -> AttributionSettings:
        saved = attribution_settings_update(organization=organization, actor=request.user, data=data)
        if saved.job is not None:
            self.message_user(request, f"The ledger is being brought in line (job #{saved.job.pk}).")
        return saved.settings

    def create_via_service(self, request, *, organization, data):
        return self._save(request, organization=organization, data=data)

    def update_via_service(self, request, *, instance, data):
        return self._save(request, organization=instance.organization, data=data)


@admin.register(OpportunityPartner)
class OpportunityPartnerAdmin(ReadOnlyScopedAdmin):
    view_cap = AttributionCap.VIEW
    list_display = ("opportunity", "partner", "role", "split_percent", "source", "status")
    list_filter = ("role", "source", "status")
    list_select_related = ("opportunity", "partner")
    search_fields = ("opportunity__name", "partner__name")


@admin.register(AccountPartner)
class AccountPartnerAdmin(ReadOnlyScopedAdmin):
    view_cap = AttributionCap.VIEW
    list_display = ("account", "partner", "role", "split_percent", "source", "status")
    list_filter = ("role", "source", "status")
    list_select_related = ("account", "partner")
    search_fields = ("account__name", "partner__name")


class RuleVersionInline(ReadOnlyInline):
    model = AttributionRuleVersion
    fields = ("number", "priority", "is_active", "definition", "created_by", "created_at", "change_reason")
    readonly_fields = fields
    ordering = ("-number",)


@admin.register(AttributionRule)
class AttributionRuleAdmin(ReadOnlyScopedAdmin):
    view_cap = AttributionCap.VIEW
    list_display = ("name", "priority", "is_active", "current_version")
    list_filter = ("is_active",)
    list_select_related = ("current_version",)
    search_fields = ("name",)
    inlines = [RuleVersionInline]


@admin.register(AttributionRuleVersion)
class AttributionRuleVersionAdmin(ReadOnlyScopedAdmin):
    view_cap = AttributionCap.VIEW
    list_display = ("rule", "number", "priority", "is_active", "created_by", "created_at")
    list_select_related = ("rule", "created_by")
    search_fields = ("rule__name",)


@admin.register(RevenueEvent)
class RevenueEventAdmin(ReadOnlyScopedAdmin):
    view_cap = AttributionCap.VIEW
    list_display = ("date", "amount", "source", "account", "opportunity", "external_id")
    list_filter = ("source",)
    list_select_related = ("account", "opportunity")
    search_fields = ("external_id", "account__name", "opportunity__name")
    raw_id_fields = ("account", "opportunity")
    paginator = CappedPaginator
    date_hierarchy = "date"


@admin.register(AttributionEntry)
class AttributionEntryAdmin(ReadOnlyScopedAdmin):
    view_cap = AttributionCap.VIEW
    list_display = (
        "sequence",
        "kind",
        "partner",
        "role",
        "split_percent",
        "amount",
        "period",
        "revenue_period",
    )
    list_filter = ("kind", "role", "scope")
    list_select_related = ("partner", "period", "revenue_period")
    search_fields = ("partner__name", "=sequence")
    raw_id_fields = ("revenue_event", "rule_version", "explanation_ref")
    paginator = CappedPaginator


@admin.register(AttributionPeriodSeal)
class AttributionPeriodSealAdmin(ReadOnlyScopedAdmin):
    view_cap = AttributionCap.VIEW
    list_display = ("period", "last_sequence", "entry_count", "total_amount", "sealed_at", "sealed_by")
    list_select_related = ("period", "sealed_by")
