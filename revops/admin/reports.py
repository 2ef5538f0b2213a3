"""Report schedules in the admin: list, pause, change the period, frequency or format, delete.

Schedules are created on the reports page (`revops:reports`), where the recipients are chosen
and checked against the rule of revops.services.reports; here they are read, not re-chosen.
"""

from __future__ import annotations

from django.contrib import admin

from revops.admin.base import OrganizationScopedAdmin
from revops.models import ReportSchedule
from revops.services.reports import report_schedule_delete, report_schedule_update


@admin.register(ReportSchedule)
class ReportScheduleAdmin(OrganizationScopedAdmin):
    list_display = (
        "name",
        "report",
        "period",
        "frequency",
        "fmt",
        "owner",
        "is_active",
        "next_run_at",
        "last_run_at",
    )
    list_filter = ("report", "frequency", "is_active")
    search_fields = ("name",)
    fields = (
        "name",
        "report",
        "account",
        "period",
        "frequency",
        "fmt",
        "owner",
        "recipient_emails",
        "is_active",
        "next_run_at",
        "last_run_at",
    )
    readonly_fields = ("report", "account", "owner", "recipient_emails", "next_run_at", "last_run_at")

    @admin.display(description="recipients")
    def recipient_emails(self, obj: ReportSchedule) -> str:
        return ", ".join(sorted(m.user.email for m in obj.recipients.select_related("user")))

    def has_add_permission(self, request, *args):
        return False  # created on the reports page, which chooses and checks the recipients

    def update_via_service(self, request, *, instance, data):
        return report_schedule_update(schedule=instance, actor=request.user, data=data)

    def delete_model(self, request, obj):
        report_schedule_delete(schedule=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            report_schedule_delete(schedule=obj, actor=request.user)
