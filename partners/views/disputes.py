"""Disputes, internal side: the review queue, the ageing/SLA report, a dispute beside its
deal's attribution drilldown, comments, internal notes, accept/reject, and opening one for a
partner on a deal the member sees."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from partners.forms import DisputeCommentForm, DisputeFilterForm, DisputeForm, DisputeResolveForm
from partners.models import PENDING_DISPUTE_STATUSES, PartnerDispute
from partners.permissions import PartnerCap
from partners.selectors.disputes import (
    ageing_report,
    dispute_get,
    dispute_rows,
    dispute_thread,
    partner_links_on_deal,
)
from partners.services.disputes import dispute_comment, dispute_open, dispute_resolve
from revops.exceptions import ApplicationError
from revops.htmx import render_page_or_partial
from revops.models import Partner
from revops.panels import record_panels
from revops.permissions import cap_required, has_cap
from revops.submit_once import submit_once
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch


def _get(request: MemberRequest, pk: int) -> PartnerDispute:
    try:
        return dispute_get(membership=request.membership, pk=pk)
    except PartnerDispute.DoesNotExist as exc:
        raise Http404 from exc


@require_safe
@cap_required(PartnerCap.DISPUTE_VIEW)
def dispute_queue_view(request: MemberRequest) -> HttpResponse:
    exported = export_dispatch(request, "partners-disputes")
    if exported is not None:
        return exported
    form = DisputeFilterForm(request.GET or {"status": "pending"})
    filters = form.cleaned_data if form.is_valid() else {"status": "pending", "overdue": "", "sort": "due"}
    rows = dispute_rows(
        membership=request.membership,
        status=filters.get("status") or "",
        overdue_only=filters.get("overdue") == "yes",
        sort=filters.get("sort") or "due",
    )
    return render_page_or_partial(
        request,
        "partners/disputes.html",
        "partners/partials/dispute_queue_table.html",
        {"rows": rows, "form": form, "report": ageing_report(membership=request.membership)},
    )


@require_safe
@cap_required(PartnerCap.DISPUTE_VIEW)
def dispute_report_view(request: MemberRequest) -> HttpResponse:
    exported = export_dispatch(request, "partners-dispute-ageing")
    if exported is not None:
        return exported
    return render(
        request, "partners/dispute_report.html", {"report": ageing_report(membership=request.membership)}
    )


@require_safe
@cap_required(PartnerCap.DISPUTE_VIEW)
def dispute_detail_view(request: MemberRequest, pk: int) -> HttpResponse:
    dispute = _get(request, pk)
    membership = request.membership
    may_resolve = (
        has_cap(membership, PartnerCap.APPROVE)
        and dispute.opened_by_id != request.user.pk
        and dispute.status in PENDING_DISPUTE_STATUSES
    )
    return render_page_or_partial(
        request,
        "partners/dispute_detail.html",
        "partners/partials/dispute_thread.html",
        {
            "dispute": dispute,
            "thread": dispute_thread(membership=membership, dispute=dispute),
            "attachments": list(dispute.attachments.all()),
            "panels": record_panels(kind="deal", membership=membership, record=dispute.opportunity),
            "comment_url": "partners:dispute-comment",
            "note_url": "partners:dispute-note",
            "may_resolve": may_resolve,
            "resolve_form": DisputeResolveForm(),
        },
    )


def _comment(request: MemberRequest, pk: int, *, internal: bool) -> HttpResponse:
    dispute = _get(request, pk)
    form = DisputeCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not sent: write the comment.")
    else:
        dispute_comment(
            membership=request.membership,
            dispute_id=dispute.pk,
            body=form.cleaned_data["body"],
            internal=internal,
        )
        messages.success(request, "Note added." if internal else "Comment sent to the partner.")
    return redirect("partners:dispute", pk=dispute.pk)


@require_POST
@cap_required(PartnerCap.DISPUTE_VIEW)
def dispute_comment_view(request: MemberRequest, pk: int) -> HttpResponse:
    return _comment(request, pk, internal=False)


@require_POST
@cap_required(PartnerCap.DISPUTE_VIEW)
def dispute_note_view(request: MemberRequest, pk: int) -> HttpResponse:
    return _comment(request, pk, internal=True)


@require_POST
@cap_required(PartnerCap.APPROVE)
def dispute_resolve_view(request: MemberRequest, pk: int) -> HttpResponse:
    dispute = _get(request, pk)
    form = DisputeResolveForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Not resolved — " + " ".join(e for errs in form.errors.values() for e in errs)
        )
        return redirect("partners:dispute", pk=dispute.pk)
    accept = form.cleaned_data["action"] == "accept"
    try:
        dispute_resolve(
            membership=request.membership,
            dispute_id=dispute.pk,
            accept=accept,
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "Not resolved — " + " ".join(exc.messages))
    else:
        messages.success(
            request, "Accepted: the split and the ledger are updated." if accept else "Rejected."
        )
    return redirect("partners:dispute", pk=dispute.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@cap_required(PartnerCap.DISPUTE_OPEN)
@submit_once
def dispute_new_view(request: MemberRequest) -> HttpResponse:
    """Open a dispute for a partner linked to a deal the member sees (`?deal=ID`)."""
    params = request.POST if request.method == "POST" else request.GET
    deal_id = params.get("deal", "")
    try:
        links = partner_links_on_deal(membership=request.membership, opportunity_id=int(deal_id))
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not links:
        raise Http404
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=[link.partner_id for link in links])}
    choices = [(link.partner_id, f"{partners[link.partner_id].name} ({link.role})") for link in links]
    form = DisputeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dispute = dispute_open(
                membership=request.membership,
                opportunity_id=links[0].opportunity.pk,
                partner_id=int(params.get("partner") or 0),
                claim=data["claim"],
                proposed_split_percent=data["proposed_split_percent"],
                attachments=data["attachments"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Dispute opened.")
            return redirect("partners:dispute", pk=dispute.pk)
    return render(
        request,
        "partners/dispute_form.html",
        {"form": form, "deal": links[0].opportunity, "choices": choices},
        status=400 if request.method == "POST" else 200,
    )
