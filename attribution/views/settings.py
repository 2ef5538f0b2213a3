"""Attribution settings page: SI mode, account cap and a default split per role, a preview of
what a change would move, and the ledger alignment the last change queued."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from attribution.forms import AttributionSettingsForm
from attribution.permissions import AttributionCap
from attribution.selectors.alignment import settings_alignment_latest
from attribution.selectors.settings import attribution_settings_of
from attribution.selectors.settings_preview import PREVIEW_ACCOUNTS_MAX, TOP_TARGETS, settings_change_preview
from attribution.services.settings import attribution_settings_update
from revops.htmx import render_page_or_partial
from revops.permissions import Cap, cap_required, has_cap
from revops.web.jobs import POLL_SECONDS

PAGE = "attribution/settings.html"
BODY = "attribution/partials/settings_body.html"
PREVIEW = "attribution/partials/settings_preview.html"


def _context(request: HttpRequest, form: AttributionSettingsForm, **extra) -> dict:
    membership = request.membership
    return {
        "form": form,
        "alignment": settings_alignment_latest(organization=membership.organization),
        "can_view_jobs": has_cap(membership, Cap.JOB_VIEW),
        "poll_seconds": POLL_SECONDS,
        "preview_accounts_max": PREVIEW_ACCOUNTS_MAX,
        "top_targets": TOP_TARGETS,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@cap_required(AttributionCap.SETTINGS_EDIT)
def attribution_settings_view(request: HttpRequest) -> HttpResponse:
    """Show the settings; a valid POST saves them through the settings service (audited, and the
    ledger alignment queued when a split can move) and comes back here."""
    organization = request.membership.organization
    if request.method == "GET":
        form = AttributionSettingsForm(
            initial=AttributionSettingsForm.initial_of(attribution_settings_of(organization=organization))
        )
        return render_page_or_partial(request, PAGE, BODY, _context(request, form))
    form = AttributionSettingsForm(request.POST)
    if form.is_valid():
        try:
            saved = attribution_settings_update(
                organization=organization, actor=request.user, data=form.settings_data()
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if saved.job is None:
                messages.info(request, "Nothing changed: no split moves.")
            else:
                messages.success(
                    request, f"Settings saved; the ledger is being brought in line (job #{saved.job.pk})."
                )
            return redirect("attribution:settings")
    return render_page_or_partial(request, PAGE, BODY, _context(request, form), status=400)


@require_POST
@cap_required(AttributionCap.SETTINGS_EDIT)
def attribution_settings_preview_view(request: HttpRequest) -> HttpResponse:
    """Dry run of the posted settings: the deals, partners and ledger totals they would move.
    Nothing is written. It reveals every deal's credit, so it needs the right to save."""
    form = AttributionSettingsForm(request.POST)
    if not form.is_valid():
        return render_page_or_partial(
            request, PAGE, PREVIEW, _context(request, form, previewed=True), status=400
        )
    preview = settings_change_preview(organization=request.membership.organization, data=form.settings_data())
    context = _context(request, form, preview=preview, previewed=True)
    return render_page_or_partial(request, PAGE, PREVIEW, context)
