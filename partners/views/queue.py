"""The approval queue (internal): filter, sort by SLA, decide one or many, the conflict inline."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from partners.forms import BulkDecideForm, DecideForm, QueueFilterForm
from partners.models import DealRegistration
from partners.permissions import PartnerCap
from partners.selectors.approvals import may_decide, step_label
from partners.selectors.registrations import queue_rows, queue_stats, registration_get
from partners.services.approvals import registration_decide
from revops.exceptions import ApplicationError
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required
from revops.tenancy import MemberRequest


@require_safe
@cap_required(PartnerCap.APPROVE)
def queue_view(request: MemberRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or {"status": "submitted"})
    filters = form.cleaned_data if form.is_valid() else {"status": "submitted", "conflict": "", "sort": "sla"}
    rows = queue_rows(
        membership=request.membership,
        status=filters.get("status") or "",
        conflict=filters.get("conflict") or "",
        sort=filters.get("sort") or "sla",
    )
    now = timezone.now()
    decidable = {
        row.registration.pk for row in rows if may_decide(row.registration, request.membership, now=now)
    }
    return render_page_or_partial(
        request,
        "partners/queue.html",
        "partners/partials/registration_queue_table.html",
        {
            "rows": rows,
            "form": form,
            "stats": queue_stats(membership=request.membership),
            "decidable": decidable,
        },
    )


def _get(request: MemberRequest, pk: int) -> DealRegistration:
    try:
        return registration_get(membership=request.membership, pk=pk)
    except DealRegistration.DoesNotExist as exc:
        raise Http404 from exc


@require_safe
@cap_required(PartnerCap.APPROVE)
def registration_view(request: MemberRequest, pk: int) -> HttpResponse:
    registration = _get(request, pk)
    steps = [
        {"label": step_label(s), "index": i, "current": i == registration.current_step}
        for i, s in enumerate(registration.steps)
    ]
    return render_page_or_partial(
        request,
        "partners/registration_detail.html",
        "partners/partials/registration_conflict.html",
        {
            "registration": registration,
            "check": registration.conflict,
            "steps": steps,
            "decisions": list(registration.decisions.select_related("decided_by")),
            "can_decide": may_decide(registration, request.membership, now=timezone.now()),
            "decide_form": DecideForm(),
        },
    )


@require_POST
@cap_required(PartnerCap.APPROVE)
def decide_view(request: MemberRequest, pk: int) -> HttpResponse:
    registration = _get(request, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not decided — " + " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("partners:registration", pk=registration.pk)
    _decide(request, [registration.pk], form.cleaned_data["action"] == "approve", form.cleaned_data["reason"])
    return redirect("partners:registration", pk=registration.pk)


@require_POST
@cap_required(PartnerCap.APPROVE)
def bulk_decide_view(request: MemberRequest) -> HttpResponse:
    form = BulkDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not decided — " + " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("partners:queue")
    ids = [r.pk for r in [_get(request, pk) for pk in form.cleaned_data["ids"]]]
    _decide(request, ids, form.cleaned_data["action"] == "approve", form.cleaned_data["reason"])
    return redirect("partners:queue")


def _decide(request: MemberRequest, ids: list[int], approve: bool, reason: str) -> None:
    """Decide each registration in its own transaction; report what was done and what refused."""
    done, refused = 0, []
    for pk in ids:
        try:
            registration_decide(
                membership=request.membership, registration_id=pk, approve=approve, reason=reason
            )
            done += 1
        except (ApplicationError, ValidationError) as exc:
            text = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
            refused.append(f"#{pk}: {text}")
    verb = "Approved" if approve else "Rejected"
    if done:
        messages.success(request, f"{verb} {done} registration{'s' if done != 1 else ''}.")
    for line in refused:
        messages.error(request, line)
