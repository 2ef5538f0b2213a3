"""The partner portal's touchpoints: the activities a partner reported, report a new one
(with evidence), and one touchpoint's decision — the partner's own rows only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from partners.forms import TouchpointForm
from partners.models import ApprovalStatus, PartnerTouchpoint
from partners.selectors.registrations import is_partner_manager
from partners.selectors.touchpoints import (
    touchpoint_accounts,
    touchpoint_deals,
    touchpoint_get,
    touchpoint_list,
)
from partners.services.touchpoints import TouchpointInput, touchpoint_submit
from partners.views.access import portal_required
from revops.models import Account, Opportunity
from revops.tenancy import MemberRequest


@require_safe
@portal_required
def touchpoint_list_view(request: MemberRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = touchpoint_list(membership=request.membership)
    if status in ApprovalStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "partners/portal/touchpoints.html",
        {
            "touchpoints": list(qs[:500]),
            "status": status,
            "statuses": ApprovalStatus.choices,
            "is_manager": is_partner_manager(request.membership),
        },
    )


def touchpoint_form(request: MemberRequest) -> TouchpointForm:
    return TouchpointForm(
        request.POST or None,
        request.FILES or None,
        accounts=touchpoint_accounts(membership=request.membership),
        deals=touchpoint_deals(membership=request.membership),
    )


def touchpoint_input(data: dict) -> TouchpointInput:
    return TouchpointInput(
        account=data["account"],
        opportunity=data.get("opportunity"),
        activity_type=data["activity_type"],
        occurred_on=data["occurred_on"],
        description=data["description"],
    )


@require_http_methods(["GET", "HEAD", "POST"])
@portal_required
def touchpoint_new_view(request: MemberRequest) -> HttpResponse:
    form = touchpoint_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            touchpoint = touchpoint_submit(
                membership=request.membership,
                data=touchpoint_input(form.cleaned_data),
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except (Account.DoesNotExist, Opportunity.DoesNotExist):
            form.add_error("account", "Choose one of your accounts.")
        else:
            messages.success(request, "Reported: it counts toward your influence credit once approved.")
            return redirect("portal:touchpoint", pk=touchpoint.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "partners/portal/touchpoint_form.html", {"form": form}, status=status)


@require_safe
@portal_required
def touchpoint_detail_view(request: MemberRequest, pk: int) -> HttpResponse:
    try:
        touchpoint = touchpoint_get(membership=request.membership, pk=pk)
    except PartnerTouchpoint.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "partners/portal/touchpoint_detail.html",
        {"touchpoint": touchpoint, "attachments": list(touchpoint.attachments.all())},
    )
