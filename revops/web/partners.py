"""Partner pages: one partner (profile, contacts, app panels) and its create/edit forms."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from revops.forms_records import PartnerForm
from revops.models import Partner
from revops.panels import record_panels
from revops.permissions import Cap, cap_required, has_cap
from revops.selectors.partners import partner_contacts, partner_edits, partner_get
from revops.services.crm import record_create, record_update
from revops.submit_once import submit_once
from revops.tenancy import MemberRequest
from revops.web.record_forms import record_form_response


def partner_url(partner: Partner) -> str:
    return reverse("revops:partner-detail", args=[partner.pk])


@cap_required(Cap.PARTNER_VIEW)
def partner_detail_view(request: MemberRequest, pk: int) -> HttpResponse:
    membership = request.membership
    partner = partner_get(membership=membership, pk=pk)
    context = {
        "partner": partner,
        "contacts": list(partner_contacts(partner=partner)),
        "edits": list(partner_edits(partner=partner)),
        "panels": record_panels(kind="partner", membership=membership, record=partner),
        "can_edit": has_cap(membership, Cap.PARTNER_EDIT),
    }
    return render(request, "revops/partner_detail.html", context)


@cap_required(Cap.PARTNER_EDIT)
@require_http_methods(["GET", "POST"])
@submit_once
def partner_create_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    form = PartnerForm(request.POST or None, membership=membership)
    return record_form_response(
        request,
        form=form,
        save=lambda data: record_create(
            model=Partner, organization=membership.organization, actor=request.user, data=data
        ),
        url_of=partner_url,
        title="New partner",
        cancel_url=reverse("revops:home"),
    )


@cap_required(Cap.PARTNER_EDIT)
@require_http_methods(["GET", "POST"])
@submit_once
def partner_edit_view(request: MemberRequest, pk: int) -> HttpResponse:
    membership = request.membership
    partner = partner_get(membership=membership, pk=pk)
    form = PartnerForm(request.POST or None, instance=partner, membership=membership)
    return record_form_response(
        request,
        form=form,
        save=lambda data, version: record_update(
            instance=partner_get(membership=membership, pk=pk),
            actor=request.user,
            data=data,
            expected_version=version,
        ),
        url_of=partner_url,
        title=f"Edit {partner.name}",
        cancel_url=partner_url(partner),
    )
