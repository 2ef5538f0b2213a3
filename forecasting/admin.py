"""Admin for forecasting: model versions (read-only, with their holdout metrics; promoted only
through the promotion service), deal scores, snapshots and forecast calls (read-only: scores
and snapshots are written by their jobs, calls by their owners and adjusted by managers on the
forecast page)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from forecasting.models import DealScore, ForecastCall, ForecastSnapshot, ModelVersion
from forecasting.permissions import ForecastCap
from forecasting.services.promotion import model_promote
from revops.admin.base import CappedPaginator, ReadOnlyScopedAdmin
from revops.exceptions import ApplicationError

PROMOTE_TEMPLATE = "admin/forecasting/modelversion/promote_confirmation.html"
METRICS = (("auc", "AUC", 3), ("brier", "Brier", 4), ("log_loss", "Log loss", 4), ("ece", "ECE", 3))


class _ForecastAdmin(ReadOnlyScopedAdmin):
    view_cap = ForecastCap.VIEW  # type: ignore[assignment]


class PromoteReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=250,
        help_text="Why this version replaces the active one; kept in the audit trail.",
    )


def _metric(version: ModelVersion, key: str, digits: int) -> str:
    value = (version.metrics or {}).get(key)
    return "—" if value is None else f"{value:.{digits}f}"


@admin.register(ModelVersion)
class ModelVersionAdmin(_ForecastAdmin):
    list_display = ("number", "label", "status", "auc", "brier", "ece", "window_end", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("label",)
    ordering = ("-number",)
    # The artifact (model text, megabytes for LightGBM) is never shown nor loaded in the list.
    exclude = ("artifact",)
    readonly_fields = ("holdout_metrics",)
    actions = ["promote_version"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("artifact")

    @admin.display(description="AUC")
    def auc(self, obj: ModelVersion) -> str:
        return _metric(obj, "auc", 3)

    @admin.display(description="Brier")
    def brier(self, obj: ModelVersion) -> str:
        return _metric(obj, "brier", 4)

    @admin.display(description="ECE")
    def ece(self, obj: ModelVersion) -> str:
        return _metric(obj, "ece", 3)

    @admin.display(description="Holdout metrics")
    def holdout_metrics(self, obj: ModelVersion) -> str:
        rows = [(label, _metric(obj, key, digits)) for key, label, digits in METRICS]
        rows.append(("Closed deals", str(obj.counts.get("closed_deals", "—"))))
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    def has_promote_permission(self, request) -> bool:
        return self._granted(request, ForecastCap.TRAIN)  # type: ignore[arg-type]

    @admin.action(description="Promote the selected version (and rescore)", permissions=["promote"])
    def promote_version(self, request, queryset):
        versions = list(queryset.order_by("-number")[:2])
        if len(versions) != 1:
            self.message_user(request, "Select exactly one version to promote.", messages.ERROR)
            return None
        version = versions[0]
        form = PromoteReasonForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": f"Promote {version}",
                "opts": self.model._meta,
                "version": version,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, PROMOTE_TEMPLATE, context)
        try:
            outcome = model_promote(
                organization=version.organization,
                version_id=version.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        if outcome.score_job is None:
            self.message_user(request, f"{version} is already active.", messages.INFO)
        else:
            self.message_user(
                request,
                f"{version} is active; scoring queued (job #{outcome.score_job.pk}).",
                messages.SUCCESS,
            )
        return None


class CurrentRunFilter(admin.SimpleListFilter):
    """The scores of the organization's latest scoring run (``CurrentScores``), or the history."""

    title = "current"
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return (("yes", "Current scores"), ("no", "History"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.current()
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.current().values("pk"))
        return queryset


@admin.register(DealScore)
class DealScoreAdmin(_ForecastAdmin):
    list_display = ("opportunity", "as_of", "probability", "risk", "risk_band", "amount", "model_version")
    list_filter = (CurrentRunFilter, "risk_band", "as_of")
    list_select_related = ("opportunity", "model_version")
    search_fields = ("opportunity__name",)
    raw_id_fields = ("opportunity", "model_version")
    ordering = ("-as_of", "-id")
    paginator = CappedPaginator  # one row per open deal and day


@admin.register(ForecastSnapshot)
class ForecastSnapshotAdmin(_ForecastAdmin):
    list_display = ("as_of", "kind", "model_label", "sims")
    list_filter = ("kind",)
    ordering = ("-as_of", "-id")
    exclude = ("pipeline",)  # every open deal of the day: shown as a count
    readonly_fields = ("deals",)

    @admin.display(description="Open deals")
    def deals(self, obj: ForecastSnapshot) -> int:
        return len(obj.pipeline)


@admin.register(ForecastCall)
class ForecastCallAdmin(_ForecastAdmin):
    list_display = (
        "owner",
        "period_start",
        "commit",
        "adjusted_commit",
        "best_case",
        "pipeline",
        "adjusted_by",
        "updated_at",
    )
    list_filter = ("period_start",)
    list_select_related = ("owner", "adjusted_by")
    search_fields = ("owner__email", "note", "adjustment_reason")
    raw_id_fields = ("owner", "adjusted_by")
    ordering = ("-period_start", "owner__email")
