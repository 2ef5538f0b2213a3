"""The partner portal: home, deals, statement, registrations — the partner's own rows only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from partners.forms import RegistrationForm
from partners.models import DealRegistration, RegistrationStatus
from partners.selectors.conflicts import Company, conflict_check, partner_summary
from partners.selectors.disputes import pending_count
from partners.selectors.portal import portal_deals, portal_home, statement_lines, statement_periods
from partners.selectors.program import next_tier_needs
from partners.selectors.registrations import (
    expiring,
    is_partner_manager,
    registration_get,
    registration_list,
    status_counts,
)
from partners.services.registrations import RegistrationInput, registration_submit, registration_withdraw
from partners.views.access import portal_required
from revops.exceptions import ApplicationError
from revops.htmx import render_page_or_partial
from revops.selectors.periods import organization_today
from revops.submit_once import submit_once
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch


@require_safe
@portal_required
def home_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    today = organization_today(request.organization)
    return render(
        request,
        "partners/portal/home.html",
        {
            "home": portal_home(membership=membership, today=today),
            "counts": status_counts(membership=membership),
            "expiring": expiring(membership=membership, today=today),
            "partner": membership.partner,
            "is_manager": is_partner_manager(membership),
            "open_disputes": pending_count(membership=membership),
            "next_tier": next_tier_needs(partner=membership.partner, today=today)
            if membership.partner
            else None,
        },
    )


@require_safe
@portal_required
def deals_view(request: MemberRequest) -> HttpResponse:
    return render(
        request, "partners/portal/deals.html", {"deals": portal_deals(membership=request.membership)}
    )


@require_safe
@portal_required
def statement_view(request: MemberRequest) -> HttpResponse:
    exported = export_dispatch(request, "partners-statement")
    if exported is not None:
        return exported
    periods = statement_periods(membership=request.membership)
    wanted = request.GET.get("period", "")
    period = next((p for p in periods if str(p.pk) == wanted), periods[0] if periods else None)
    lines = statement_lines(membership=request.membership, period=period) if period else []
    return render(
        request,
        "partners/portal/statement.html",
        {
            "periods": periods,
            "period": period,
            "lines": lines,
            "total": sum((ln.amount for ln in lines), start=0),
        },
    )


@require_safe
@portal_required
def registration_list_view(request: MemberRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = registration_list(membership=request.membership)
    if status in RegistrationStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "partners/portal/registrations.html",
        {
            "registrations": list(qs[:500]),
            "status": status,
            "statuses": RegistrationStatus.choices,
            "is_manager": is_partner_manager(request.membership),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@portal_required
@submit_once
def registration_new_view(request: MemberRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None, request.FILES or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = registration_submit(
                membership=request.membership,
                data=RegistrationInput(**{k: v for k, v in data.items() if k != "attachments"}),
                attachments=data["attachments"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if registration.has_conflict:
                messages.warning(request, "Registered — with a possible conflict; see below.")
            else:
                messages.success(request, "Registered: your channel manager will decide.")
            return redirect("portal:registration", pk=registration.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "partners/portal/registration_form.html", {"form": form}, status=status)


@require_safe
@portal_required
def registration_check_view(request: MemberRequest) -> HttpResponse:
    """The conflict warning while the partner types (HTMX): facts, naming nobody."""
    name, domain = request.GET.get("account_name", "").strip(), request.GET.get("domain", "").strip()
    lines: list[str] = []
    if name or domain:
        check = conflict_check(
            request.organization,
            Company(
                name=name, domain=domain, partner_id=request.membership.partner_id or 0, product_line_id=0
            ),
            today=organization_today(request.organization),
        )
        lines = partner_summary(check)
    return render(
        request,
        "partners/portal/partials/registration_conflict.html",
        {"warnings": lines, "checked": bool(name or domain)},
    )


@require_safe
@portal_required
def registration_detail_view(request: MemberRequest, pk: int) -> HttpResponse:
    try:
        registration = registration_get(membership=request.membership, pk=pk)
    except DealRegistration.DoesNotExist as exc:
        raise Http404 from exc
    return render_page_or_partial(
        request,
        "partners/portal/registration_detail.html",
        "partners/portal/partials/registration_summary.html",
        {
            "registration": registration,
            "warnings": partner_summary(registration.conflict),
            "attachments": list(registration.attachments.all()),
        },
    )


@require_POST
@portal_required
def registration_withdraw_view(request: MemberRequest, pk: int) -> HttpResponse:
    try:
        registration = registration_get(membership=request.membership, pk=pk)
    except DealRegistration.DoesNotExist as exc:
        raise Http404 from exc
    try:
        registration_withdraw(membership=request.membership, registration=registration)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Withdrawn.")
    return redirect("portal:registration", pk=registration.pk)
