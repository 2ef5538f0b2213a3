"""Account pages: one account (deals, figures, activity, app panels) and its create/edit forms."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from revops.forms_records import AccountForm
from revops.models import Account
from revops.panels import record_panels
from revops.permissions import Cap, cap_required, has_cap
from revops.selectors.accounts import account_activity, account_deals, account_get, deal_totals
from revops.services.crm import record_create, record_update
from revops.submit_once import submit_once
from revops.tenancy import MemberRequest
from revops.web.record_forms import record_form_response

DEALS_SHOWN = 50


def account_url(account: Account) -> str:
    return reverse("revops:account-detail", args=[account.pk])


@cap_required(Cap.ACCOUNT_VIEW)
def account_detail_view(request: MemberRequest, pk: int) -> HttpResponse:
    membership = request.membership
    account = account_get(membership=membership, pk=pk)
    deals = account_deals(membership=membership, account=account)
    context = {
        "account": account,
        "totals": deal_totals(deals),
        "deals": list(deals[:DEALS_SHOWN]),
        "deals_shown": DEALS_SHOWN,
        "activity": account_activity(membership=membership, account=account),
        "panels": record_panels(kind="account", membership=membership, record=account),
        "can_edit": has_cap(membership, Cap.ACCOUNT_EDIT),
    }
    return render(request, "revops/account_detail.html", context)


@cap_required(Cap.ACCOUNT_EDIT)
@require_http_methods(["GET", "POST"])
@submit_once
def account_create_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    form = AccountForm(request.POST or None, membership=membership)
    return record_form_response(
        request,
        form=form,
        save=lambda data: record_create(
            model=Account, organization=membership.organization, actor=request.user, data=data
        ),
        url_of=account_url,
        title="New account",
        cancel_url=reverse("revops:opportunity-list"),
    )


@cap_required(Cap.ACCOUNT_EDIT)
@require_http_methods(["GET", "POST"])
@submit_once
def account_edit_view(request: MemberRequest, pk: int) -> HttpResponse:
    membership = request.membership
    account = account_get(membership=membership, pk=pk)
    form = AccountForm(request.POST or None, instance=account, membership=membership)
    return record_form_response(
        request,
        # The form has validated a copy of the fields; the service saves only what changed.
        save=lambda data, version: record_update(
            instance=account_get(membership=membership, pk=pk),
            actor=request.user,
            data=data,
            expected_version=version,
        ),
        form=form,
        url_of=account_url,
        title=f"Edit {account.name}",
        cancel_url=account_url(account),
    )
