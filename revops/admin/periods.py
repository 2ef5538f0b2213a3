"""Admin for fiscal periods: status changes only through the close / reopen actions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from revops.admin.base import OrganizationScopedAdmin
from revops.exceptions import ApplicationError
from revops.models import FiscalPeriod
from revops.permissions import Cap
from revops.services.periods import period_close, period_reopen

REOPEN_TEMPLATE = "admin/revops/fiscalperiod/reopen_confirmation.html"


class ReopenReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text="Why the books are reopened; kept in the audit trail.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("A reason is required to reopen a period.")
        return reason


@admin.register(FiscalPeriod)
class FiscalPeriodAdmin(OrganizationScopedAdmin):
    edit_cap = Cap.PERIOD_CLOSE
    list_display = (
        "__str__",
        "fiscal_year",
        "fiscal_quarter",
        "start_date",
        "end_date",
        "status",
        "closed_at",
    )
    list_filter = ("status", "fiscal_year", "fiscal_quarter")
    list_select_related = ("organization", "closed_by")
    search_fields = ("fiscal_year",)
    ordering = ("start_date",)
    # Finance-owned: the status moves only through the audited close / reopen services.
    readonly_fields = ("status", "closed_at", "closed_by")
    actions = ["close_periods", "reopen_periods"]

    def has_delete_permission(self, request, obj=None):
        return False  # ledgers point at periods; a month is never deleted

    @admin.action(description="Close selected periods", permissions=["change"])
    def close_periods(self, request, queryset):
        closed = 0
        for period in queryset.order_by("start_date"):
            if period.is_closed:
                continue
            try:
                period_close(period=period, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
                continue
            closed += 1
        if closed:
            self.message_user(request, f"{closed} period(s) closed.", messages.SUCCESS)

    @admin.action(description="Reopen selected periods", permissions=["change"])
    def reopen_periods(self, request, queryset):
        periods = list(queryset.order_by("-start_date"))
        form = ReopenReasonForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": "Reopen periods",
                "opts": self.model._meta,
                "periods": periods,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "select_across": request.POST.get("select_across", "0"),
            }
            return TemplateResponse(request, REOPEN_TEMPLATE, context)
        reopened = 0
        for period in periods:
            try:
                period_reopen(period=period, actor=request.user, reason=form.cleaned_data["reason"])
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
                continue
            reopened += 1
        if reopened:
            self.message_user(request, f"{reopened} period(s) reopened.", messages.SUCCESS)
        return None
