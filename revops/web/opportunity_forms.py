"""Opportunity create/edit pages (through the audited services; a stage move is recorded)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from revops.forms_records import OpportunityForm
from revops.models import Opportunity
from revops.permissions import Cap, cap_required
from revops.selectors.opportunities import opportunity_get
from revops.services.crm import opportunity_create, opportunity_update
from revops.submit_once import submit_once
from revops.tenancy import MemberRequest
from revops.web.record_forms import record_form_response


def opportunity_url(opportunity: Opportunity) -> str:
    return reverse("revops:opportunity-detail", args=[opportunity.pk])


@cap_required(Cap.OPPORTUNITY_EDIT)
@require_http_methods(["GET", "POST"])
@submit_once
def opportunity_create_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    initial = {"owner": request.user.pk, "currency": membership.organization.currency}
    if request.GET.get("account"):
        initial["account"] = request.GET["account"]
    form = OpportunityForm(request.POST or None, initial=initial, membership=membership)
    return record_form_response(
        request,
        form=form,
        save=lambda data: opportunity_create(
            organization=membership.organization, actor=request.user, data=data
        ),
        url_of=opportunity_url,
        title="New opportunity",
        cancel_url=reverse("revops:opportunity-list"),
    )


@cap_required(Cap.OPPORTUNITY_EDIT)
@require_http_methods(["GET", "POST"])
@submit_once
def opportunity_edit_view(request: MemberRequest, pk: int) -> HttpResponse:
    membership = request.membership
    opportunity = opportunity_get(membership=membership, pk=pk)
    form = OpportunityForm(request.POST or None, instance=opportunity, membership=membership)
    return record_form_response(
        request,
        form=form,
        save=lambda data, version: opportunity_update(
            opportunity=opportunity_get(membership=membership, pk=pk),
            actor=request.user,
            data=data,
            expected_version=version,
        ),
        url_of=opportunity_url,
        title=f"Edit {opportunity.name}",
        cancel_url=opportunity_url(opportunity),
    )
