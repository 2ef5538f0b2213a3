"""The approval queue (internal): every kind of request — deal registrations, partner
touchpoints, split changes — with a kind filter, sort by SLA, bulk approve or reject (reason
required to reject), the conflict inline, and statistics per kind; a page per request with its
steps, history and the decision form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from partners.forms import BulkDecideForm, DecideForm, QueueFilterForm
from partners.models import ApprovalKind, DealRegistration, PartnerTouchpoint, SplitChangeRequest
from partners.permissions import PartnerCap
from partners.selectors.approvals import may_decide, step_label
from partners.selectors.queue import queue_items, queue_stats_by_kind
from partners.selectors.registrations import registration_get
from partners.selectors.touchpoints import split_change_get, touchpoint_get
from partners.services.decisions import approval_decide
from revops.exceptions import ApplicationError
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required
from revops.tenancy import MemberRequest

NOUNS = {
    ApprovalKind.REGISTRATION: ("registration", "registrations"),
    ApprovalKind.TOUCHPOINT: ("touchpoint", "touchpoints"),
    ApprovalKind.SPLIT_CHANGE: ("split change", "split changes"),
}
DEFAULT_FILTERS = {"kind": "", "status": "submitted", "conflict": "", "sort": "sla"}


@require_safe
@cap_required(PartnerCap.APPROVE)
def queue_view(request: MemberRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or {"status": "submitted"})
    filters = form.cleaned_data if form.is_valid() else DEFAULT_FILTERS
    rows = queue_items(
        membership=request.membership,
        kind=filters.get("kind") or "",
        status=filters.get("status") or "",
        conflict=filters.get("conflict") or "",
        sort=filters.get("sort") or "sla",
    )
    now = timezone.now()
    decidable = {row.key for row in rows if may_decide(row.subject, request.membership, now=now)}
    return render_page_or_partial(
        request,
        "partners/queue.html",
        "partners/partials/approval_queue_table.html",
        {
            "rows": rows,
            "form": form,
            "stats": queue_stats_by_kind(membership=request.membership),
            "decidable": decidable,
        },
    )


def _get(request: MemberRequest, kind: str, pk: int):
    getters = {
        ApprovalKind.REGISTRATION: (registration_get, DealRegistration.DoesNotExist),
        ApprovalKind.TOUCHPOINT: (touchpoint_get, PartnerTouchpoint.DoesNotExist),
        ApprovalKind.SPLIT_CHANGE: (split_change_get, SplitChangeRequest.DoesNotExist),
    }
    getter, missing = getters[kind]
    try:
        return getter(membership=request.membership, pk=pk)
    except missing as exc:
        raise Http404 from exc


def _steps(subject) -> list[dict]:
    return [
        {"label": step_label(s), "index": i, "current": i == subject.current_step}
        for i, s in enumerate(subject.steps)
    ]


@require_safe
@cap_required(PartnerCap.APPROVE)
def registration_view(request: MemberRequest, pk: int) -> HttpResponse:
    registration = _get(request, ApprovalKind.REGISTRATION, pk)
    return render_page_or_partial(
        request,
        "partners/registration_detail.html",
        "partners/partials/registration_conflict.html",
        {
            "registration": registration,
            "check": registration.conflict,
            "steps": _steps(registration),
            "decisions": list(registration.decisions.select_related("decided_by")),
            "can_decide": may_decide(registration, request.membership, now=timezone.now()),
            "decide_form": DecideForm(),
        },
    )


def _request_page(request: MemberRequest, kind: str, pk: int) -> HttpResponse:
    subject = _get(request, kind, pk)
    return render(
        request,
        "partners/approval_detail.html",
        {
            "kind": kind,
            "subject": subject,
            "steps": _steps(subject),
            "decisions": list(subject.decisions.select_related("decided_by")),
            "can_decide": may_decide(subject, request.membership, now=timezone.now()),
            "decide_form": DecideForm(),
            "decide_url": "partners:touchpoint-decide"
            if kind == ApprovalKind.TOUCHPOINT
            else "partners:split-change-decide",
        },
    )


@require_safe
@cap_required(PartnerCap.APPROVE)
def touchpoint_view(request: MemberRequest, pk: int) -> HttpResponse:
    return _request_page(request, ApprovalKind.TOUCHPOINT, pk)


@require_safe
@cap_required(PartnerCap.APPROVE)
def split_change_view(request: MemberRequest, pk: int) -> HttpResponse:
    return _request_page(request, ApprovalKind.SPLIT_CHANGE, pk)


def _decide_one(request: MemberRequest, kind: str, pk: int, page: str) -> HttpResponse:
    subject = _get(request, kind, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not decided — " + " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(page, pk=subject.pk)
    _decide(
        request, [(kind, subject.pk)], form.cleaned_data["action"] == "approve", form.cleaned_data["reason"]
    )
    return redirect(page, pk=subject.pk)


@require_POST
@cap_required(PartnerCap.APPROVE)
def decide_view(request: MemberRequest, pk: int) -> HttpResponse:
    return _decide_one(request, ApprovalKind.REGISTRATION, pk, "partners:registration")


@require_POST
@cap_required(PartnerCap.APPROVE)
def touchpoint_decide_view(request: MemberRequest, pk: int) -> HttpResponse:
    return _decide_one(request, ApprovalKind.TOUCHPOINT, pk, "partners:touchpoint")


@require_POST
@cap_required(PartnerCap.APPROVE)
def split_change_decide_view(request: MemberRequest, pk: int) -> HttpResponse:
    return _decide_one(request, ApprovalKind.SPLIT_CHANGE, pk, "partners:split-change")


@require_POST
@cap_required(PartnerCap.APPROVE)
def bulk_decide_view(request: MemberRequest) -> HttpResponse:
    form = BulkDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not decided — " + " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("partners:queue")
    keys = [(kind, _get(request, kind, pk).pk) for kind, pk in form.cleaned_data["ids"]]
    _decide(request, keys, form.cleaned_data["action"] == "approve", form.cleaned_data["reason"])
    return redirect("partners:queue")


def _decide(request: MemberRequest, keys: list[tuple[str, int]], approve: bool, reason: str) -> None:
    """Decide each request in its own transaction; report what was done and what refused."""
    done: dict[str, int] = {}
    refused = []
    for kind, pk in keys:
        try:
            approval_decide(kind=kind, membership=request.membership, pk=pk, approve=approve, reason=reason)
            done[kind] = done.get(kind, 0) + 1
        except (ApplicationError, ValidationError) as exc:
            text = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
            prefix = "#" if kind == ApprovalKind.REGISTRATION else f"{NOUNS[kind][0].capitalize()} #"
            refused.append(f"{prefix}{pk}: {text}")
    verb = "Approved" if approve else "Rejected"
    for kind, count in done.items():
        singular, plural = NOUNS[kind]
        messages.success(request, f"{verb} {count} {singular if count == 1 else plural}.")
    for line in refused:
        messages.error(request, line)
