"""Admin for the Salesforce sync: the connection with its mappings and segments (inline),
segments with their own mapping overrides, and the per-record sync log (read-only).

Actions on connections call the services: "Preview" queues a dry run, "Sync now" an
incremental sync, "Full sync now" a full one (each a JobRun with its progress page), "Add the
standard mappings" and "Check mappings against Salesforce" (describe), and "Push attribution
results" (a JobRun upserting the previous and current period's results to the connection's
custom object; its per-record log is read-only). Credentials are never entered here: the
connection names the environment variables that hold them.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from revops.admin.base import (
    CappedPaginator,
    OrganizationScopedAdmin,
    ReadOnlyScopedAdmin,
    ScopedInline,
)
from revops.connectors.errors import ConnectorError
from revops.exceptions import ApplicationError
from revops.models.salesforce import (
    FieldMapping,
    PushbackLogEntry,
    SalesforceConnection,
    SyncLogEntry,
    SyncObject,
    SyncSegment,
)
from revops.services.salesforce_mapping import mapping_describe_check, mapping_install_defaults
from revops.services.salesforce_pushback import salesforce_pushback_start
from revops.services.salesforce_schedule import salesforce_schedule_remove, salesforce_schedule_sync
from revops.services.salesforce_sync import Mode, connection_client, salesforce_sync_start


class MappingInline(ScopedInline):
    model = FieldMapping
    fk_name = "connection"
    fields = (
        "sobject",
        "salesforce_field",
        "target_field",
        "transform",
        "value_map",
        "constant",
        "conflict_policy",
    )
    verbose_name = "field mapping (all segments)"
    verbose_name_plural = "field mappings (all segments)"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(segment__isnull=True)


class SegmentInline(ScopedInline):
    model = SyncSegment
    fields = (
        "sobject",
        "order",
        "name",
        "record_type_id",
        "region_field",
        "region",
        "owner_role_id",
        "conditions",
    )
    show_change_link = True


class SegmentMappingInline(ScopedInline):
    model = FieldMapping
    fk_name = "segment"
    fields = (
        "sobject",
        "salesforce_field",
        "target_field",
        "transform",
        "value_map",
        "constant",
        "conflict_policy",
    )
    verbose_name = "mapping override"


class _OwnedChildren:
    """Inline rows take their parent's organization (and a segment's mappings its connection)."""

    def save_formset(self, request, form, formset, change):
        parent = form.instance
        for child_form in formset.forms:
            child = child_form.instance
            if child is not None and not child.organization_id:
                child.organization_id = parent.organization_id
            if isinstance(child, FieldMapping) and isinstance(parent, SyncSegment):
                child.connection_id = parent.connection_id
        super().save_formset(request, form, formset, change)


@admin.register(SalesforceConnection)
class SalesforceConnectionAdmin(_OwnedChildren, OrganizationScopedAdmin):
    list_display = ("name", "instance_url", "enabled", "conflict_policy", "last_synced_at", "log_link")
    list_filter = ("enabled",)
    search_fields = ("name", "instance_url")
    readonly_fields = ("last_synced_at",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = (MappingInline, SegmentInline)
    actions = [
        "preview",
        "sync_now",
        "full_sync_now",
        "install_mappings",
        "install_lead_mappings",
        "install_campaign_member_mappings",
        "check_mappings",
        "push_attribution",
    ]

    @admin.display(description="log")
    def log_link(self, obj):
        url = reverse("admin:revops_synclogentry_changelist") + f"?connection__id__exact={obj.pk}"
        return format_html('<a href="{}">sync log</a>', url)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.pk:
            salesforce_schedule_sync(connection=SalesforceConnection.objects.get(pk=obj.pk))

    def delete_model(self, request, obj):
        salesforce_schedule_remove(connection=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            salesforce_schedule_remove(connection=obj)
        super().delete_queryset(request, queryset)

    def _start(self, request, queryset, *, mode: str, dry_run: bool) -> None:
        for connection in queryset:
            try:
                job, created = salesforce_sync_start(
                    connection=connection, actor=request.user, mode=mode, dry_run=dry_run
                )
            except ApplicationError as error:
                self.message_user(request, f"{connection}: {error.message}", messages.ERROR)
                continue
            what = "Preview" if dry_run else f"{mode.capitalize()} sync"
            state = "queued" if created else "already queued or running"
            url = reverse("admin:revops_jobrun_change", args=[job.pk])
            self.message_user(
                request,
                format_html('{}: {} {} — <a href="{}">progress</a>', connection, what, state, url),
                messages.SUCCESS,
            )

    @admin.action(description="Preview (dry run): what a sync would do", permissions=["change"])
    def preview(self, request, queryset):
        self._start(request, queryset, mode=Mode.INCREMENTAL, dry_run=True)

    @admin.action(description="Sync now (incremental)", permissions=["change"])
    def sync_now(self, request, queryset):
        self._start(request, queryset, mode=Mode.INCREMENTAL, dry_run=False)

    @admin.action(description="Full sync now", permissions=["change"])
    def full_sync_now(self, request, queryset):
        self._start(request, queryset, mode=Mode.FULL, dry_run=False)

    @admin.action(description="Push attribution results to Salesforce", permissions=["change"])
    def push_attribution(self, request, queryset):
        for connection in queryset:
            try:
                job, created = salesforce_pushback_start(connection=connection, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{connection}: {error.message}", messages.ERROR)
                continue
            state = "queued" if created else "already queued or running"
            url = reverse("admin:revops_jobrun_change", args=[job.pk])
            self.message_user(
                request,
                format_html('{}: Push-back {} — <a href="{}">progress</a>', connection, state, url),
                messages.SUCCESS,
            )

    @admin.action(description="Add the standard field mappings", permissions=["change"])
    def install_mappings(self, request, queryset):
        for connection in queryset:
            added = mapping_install_defaults(connection=connection)
            self.message_user(request, f"{connection}: {added} mapping(s) added.", messages.SUCCESS)

    def _install(self, request, queryset, sobjects: list[str]) -> None:
        for connection in queryset:
            try:
                added = mapping_install_defaults(connection=connection, sobjects=sobjects)
            except ValidationError as exc:
                self.message_user(request, f"{connection}: {' '.join(exc.messages)}", messages.ERROR)
                continue
            self.message_user(request, f"{connection}: {added} mapping(s) added.", messages.SUCCESS)

    @admin.action(
        description="Add the standard lead and campaign mappings (lead distribution)", permissions=["change"]
    )
    def install_lead_mappings(self, request, queryset):
        self._install(request, queryset, [SyncObject.CAMPAIGN, SyncObject.LEAD])

    @admin.action(
        description="Add the standard campaign and campaign member mappings (marketing attribution)",
        permissions=["change"],
    )
    def install_campaign_member_mappings(self, request, queryset):
        self._install(request, queryset, [SyncObject.CAMPAIGN, SyncObject.CAMPAIGN_MEMBER])

    @admin.action(description="Check mappings against Salesforce", permissions=["change"])
    def check_mappings(self, request, queryset):
        for connection in queryset:
            try:
                client = connection_client(connection)
                objects = {m.sobject for m in connection.mappings.all()}
                describe = {}
                for sobject in objects:
                    name = connection.partner_object if sobject == "Partner" else sobject
                    try:
                        describe[name] = {f["name"] for f in client.describe(name)["fields"]}
                    except ConnectorError:
                        continue  # reported below as a missing object
            except ApplicationError as error:
                self.message_user(request, f"{connection}: {error.message}", messages.ERROR)
                continue
            problems = mapping_describe_check(connection=connection, describe=describe)
            if problems:
                for problem in problems:
                    self.message_user(request, f"{connection}: {problem}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{connection}: every mapping matches Salesforce.", messages.SUCCESS
                )


@admin.register(SyncSegment)
class SyncSegmentAdmin(_OwnedChildren, OrganizationScopedAdmin):
    list_display = ("name", "connection", "sobject", "order")
    list_filter = ("sobject",)
    list_select_related = ("connection",)
    search_fields = ("name",)
    inlines = (SegmentMappingInline,)


@admin.register(FieldMapping)
class FieldMappingAdmin(OrganizationScopedAdmin):
    list_display = ("__str__", "connection", "segment", "transform", "conflict_policy")
    list_filter = ("sobject", "transform")
    list_select_related = ("connection", "segment")
    search_fields = ("salesforce_field", "target_field")


@admin.register(SyncLogEntry)
class SyncLogEntryAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "created_at",
        "job",
        "dry_run",
        "sobject",
        "segment_name",
        "salesforce_id",
        "action",
        "message",
    )
    list_filter = ("action", "dry_run", "sobject")
    list_select_related = ("job", "connection")
    search_fields = ("salesforce_id", "message")
    paginator = CappedPaginator


@admin.register(PushbackLogEntry)
class PushbackLogEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ("created_at", "job", "period", "external_key", "action", "salesforce_id", "message")
    list_filter = ("action",)
    list_select_related = ("job", "connection", "period")
    search_fields = ("external_key", "salesforce_id", "message")
    paginator = CappedPaginator
