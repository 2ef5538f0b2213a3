"""Admin for marketing attribution: channels, campaigns with spend, model configurations
(versioned: a change saves the next version), and read-only touchpoints and runs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from attribution.marketing.models import (
    AttributionRun,
    Campaign,
    CampaignSpend,
    Channel,
    ConfigSchedule,
    ModelConfig,
    PathSet,
    Touchpoint,
)
from attribution.marketing.services.configs import VERSIONED_FIELDS, model_config_save
from attribution.marketing.services.schedules import SCHEDULE_FIELDS, config_schedule_set
from revops.admin.base import CappedPaginator, OrganizationScopedAdmin, ReadOnlyScopedAdmin


@admin.register(Channel)
class ChannelAdmin(OrganizationScopedAdmin):
    list_display = ("name", "grouping", "is_direct")
    list_filter = ("grouping", "is_direct")
    search_fields = ("name",)


class SpendInline(admin.TabularInline):
    model = CampaignSpend
    extra = 1
    fields = ("month", "amount")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # The spend row belongs to the campaign's organization.
        formset.save_new = lambda form, commit=True: _save_spend(form, obj, commit)  # type: ignore[method-assign]
        return formset


def _save_spend(form, campaign, commit):
    spend = form.save(commit=False)
    spend.organization_id = campaign.organization_id
    if commit:
        spend.save()
    return spend


@admin.register(Campaign)
class CampaignAdmin(OrganizationScopedAdmin):
    list_display = ("name", "channel", "external_id")
    list_filter = (("channel", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("channel",)
    search_fields = ("name", "external_id")
    inlines = (SpendInline,)


@admin.register(ModelConfig)
class ModelConfigAdmin(OrganizationScopedAdmin):
    """A change is saved as the next version (`model_config_save`); runs keep the one they used."""

    list_display = (
        "name",
        "version",
        "is_current",
        "model",
        "journey_level",
        "conversion_event",
        "lookback_days",
    )
    list_filter = ("model", "is_current", "journey_level", "conversion_event")
    search_fields = ("name",)
    fields = ("name", *VERSIONED_FIELDS)
    readonly_fields = ("version", "is_current")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "name"] if obj is not None else fields

    def has_delete_permission(self, request, obj=None):
        return False  # runs refer to their version; an old version simply stops being current

    def create_via_service(self, request, *, organization, data: dict[str, Any]):
        name = data.pop("name")
        return model_config_save(organization=organization, actor=request.user, name=name, **data)

    def update_via_service(self, request, *, instance, data: dict[str, Any]):
        values = {k: v for k, v in data.items() if k in VERSIONED_FIELDS}
        return model_config_save(
            organization=instance.organization, actor=request.user, name=instance.name, **values
        )


@admin.register(Touchpoint)
class TouchpointAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "occurred_at",
        "channel",
        "campaign",
        "contact_key",
        "account",
        "source",
        "external_id",
        "removed_at",
    )
    list_filter = ("source", ("channel", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("channel", "campaign", "account")
    search_fields = ("external_id", "contact_key")
    paginator = CappedPaginator
    show_full_result_count = False
    ordering = ("-occurred_at", "-id")


@admin.register(AttributionRun)
class AttributionRunAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "id",
        "model",
        "config",
        "config_version",
        "status",
        "window_start",
        "window_end",
        "value",
        "promoted",
    )
    list_filter = ("model", "status", "promoted")
    list_select_related = ("config",)
    ordering = ("-id",)


@admin.register(PathSet)
class PathSetAdmin(ReadOnlyScopedAdmin):
    """Aggregated path sets come in through the import (kind `marketing_paths`); read only here."""

    list_display = ("name", "created_at")
    search_fields = ("name",)


@admin.register(ConfigSchedule)
class ConfigScheduleAdmin(OrganizationScopedAdmin):
    """A configuration (by name) run nightly when due; saved through `config_schedule_set`."""

    list_display = ("config_name", "frequency", "window_days", "enabled", "last_run_on")
    list_filter = ("frequency", "enabled")
    fields = ("config_name", *SCHEDULE_FIELDS)
    readonly_fields = ("last_run_on",)

    def create_via_service(self, request, *, organization, data: dict[str, Any]):
        return config_schedule_set(organization=organization, actor=request.user, **data)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "config_name"] if obj is not None else fields

    def update_via_service(self, request, *, instance, data: dict[str, Any]):
        values = {f: getattr(instance, f) for f in SCHEDULE_FIELDS} | {
            k: v for k, v in data.items() if k in SCHEDULE_FIELDS
        }
        return config_schedule_set(
            organization=instance.organization, actor=request.user, config_name=instance.config_name, **values
        )
