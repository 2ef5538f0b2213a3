"""Disputes in the portal: the partner's list, opening one from a deal or a statement line,
the thread (never an internal note), comments and withdrawal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from attribution.selectors.visible import entry_list
from partners.forms import DisputeCommentForm, DisputeForm
from partners.models import DisputeStatus, PartnerDispute
from partners.selectors.disputes import dispute_get, dispute_list, dispute_thread, partner_links_on_deal
from partners.selectors.registrations import is_partner_manager
from partners.services.disputes import dispute_comment, dispute_open, dispute_withdraw
from partners.views.access import portal_required
from revops.exceptions import ApplicationError
from revops.htmx import render_page_or_partial
from revops.models import Opportunity
from revops.submit_once import submit_once
from revops.tenancy import MemberRequest


def _get(request: MemberRequest, pk: int) -> PartnerDispute:
    try:
        return dispute_get(membership=request.membership, pk=pk)
    except PartnerDispute.DoesNotExist as exc:
        raise Http404 from exc


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@require_safe
@portal_required
def dispute_list_view(request: MemberRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = dispute_list(membership=request.membership)
    if status in DisputeStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "partners/portal/disputes.html",
        {
            "disputes": list(qs.order_by("-created_at", "-id")[:500]),
            "status": status,
            "statuses": DisputeStatus.choices,
            "is_manager": is_partner_manager(request.membership),
        },
    )


def _target(request: MemberRequest) -> tuple[Opportunity, int | None, object]:
    """The deal (from `deal`, or from the statement line `line`) and the partner's link on it."""
    membership = request.membership
    params = request.POST if request.method == "POST" else request.GET
    entry_id = _int(params.get("line", ""))
    deal_id = _int(params.get("deal", ""))
    try:
        if entry_id is not None:
            entry = entry_list(membership=membership).select_related("revenue_event").get(pk=entry_id)
            deal_id = entry.revenue_event.opportunity_id
        if deal_id is None:
            raise Http404
        link = partner_links_on_deal(membership=membership, opportunity_id=deal_id)[0]
    except ObjectDoesNotExist as exc:  # another partner's deal or line, another organization's
        raise Http404 from exc
    return link.opportunity, entry_id, link


@require_http_methods(["GET", "HEAD", "POST"])
@portal_required
@submit_once
def dispute_new_view(request: MemberRequest) -> HttpResponse:
    deal, entry_id, link = _target(request)
    form = DisputeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dispute = dispute_open(
                membership=request.membership,
                opportunity_id=deal.pk,
                entry_id=entry_id,
                claim=data["claim"],
                proposed_split_percent=data["proposed_split_percent"],
                attachments=data["attachments"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Dispute opened: your channel manager will answer here.")
            return redirect("portal:dispute", pk=dispute.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "partners/portal/dispute_form.html",
        {"form": form, "deal": deal, "entry_id": entry_id, "link": link},
        status=status,
    )


@require_safe
@portal_required
def dispute_detail_view(request: MemberRequest, pk: int) -> HttpResponse:
    dispute = _get(request, pk)
    return render_page_or_partial(
        request,
        "partners/portal/dispute_detail.html",
        "partners/partials/dispute_thread.html",
        {
            "dispute": dispute,
            "thread": dispute_thread(membership=request.membership, dispute=dispute),
            "attachments": list(dispute.attachments.all()),
            "comment_form": DisputeCommentForm(),
            "comment_url": "portal:dispute-comment",
            "can_withdraw": dispute.opened_by_id == request.user.pk
            and dispute.status in (DisputeStatus.OPEN, DisputeStatus.UNDER_REVIEW),
        },
    )


@require_POST
@portal_required
def dispute_comment_view(request: MemberRequest, pk: int) -> HttpResponse:
    dispute = _get(request, pk)
    form = DisputeCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not sent: write the comment.")
    else:
        dispute_comment(membership=request.membership, dispute_id=dispute.pk, body=form.cleaned_data["body"])
        messages.success(request, "Comment sent.")
    return redirect("portal:dispute", pk=dispute.pk)


@require_POST
@portal_required
def dispute_withdraw_view(request: MemberRequest, pk: int) -> HttpResponse:
    dispute = _get(request, pk)
    try:
        dispute_withdraw(membership=request.membership, dispute_id=dispute.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Withdrawn.")
    return redirect("portal:dispute", pk=dispute.pk)
