"""The channel-manager page of the partner program: tiers, health with its components, the
lifecycle and onboarding checklist, alerts; recompute on demand and the decisions it needs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from partners.models import OnboardingStep, PartnerAlert, PartnerTierChange
from partners.permissions import PartnerCap
from partners.selectors.program import latest_recompute, partner_standing, program_page, program_partner_get
from partners.services.standing import (
    alert_acknowledge,
    onboarding_step_complete,
    partner_lifecycle_set,
    program_recompute_enqueue,
    tier_change_decide,
)
from revops.exceptions import ApplicationError
from revops.models import Partner
from revops.permissions import cap_required, has_cap
from revops.tenancy import MemberRequest


def _refusal(exc: ApplicationError | ValidationError) -> str:
    return exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)


@require_safe
@cap_required(PartnerCap.PROGRAM_VIEW)
def program_view(request: MemberRequest) -> HttpResponse:
    return render(
        request,
        "partners/program.html",
        {
            "page": program_page(membership=request.membership),
            "job": latest_recompute(organization=request.organization),
            "poll_seconds": 2,
            "can_manage": has_cap(request.membership, PartnerCap.PROGRAM_MANAGE),
        },
    )


@require_POST
@cap_required(PartnerCap.PROGRAM_MANAGE)
def recompute_view(request: MemberRequest) -> HttpResponse:
    key = request.POST.get("key", "")[:100]
    job, created = program_recompute_enqueue(
        organization=request.organization,
        acting_user=request.user,
        idempotency_key=f"partners.program_recompute:{request.user.pk}:{key}" if key else "",
    )
    messages.success(
        request, f"Recompute queued (job #{job.pk})." if created else f"Already queued (job #{job.pk})."
    )
    return redirect("partners:program")


def _partner(request: MemberRequest, pk: int) -> Partner:
    try:
        return program_partner_get(membership=request.membership, pk=pk)
    except Partner.DoesNotExist as exc:
        raise Http404 from exc


@require_safe
@cap_required(PartnerCap.PROGRAM_VIEW)
def partner_view(request: MemberRequest, pk: int) -> HttpResponse:
    standing = partner_standing(partner=_partner(request, pk))
    return render(
        request,
        "partners/program_partner.html",
        {
            "standing": standing,
            "stages": Partner.Lifecycle.choices,
            "can_manage": has_cap(request.membership, PartnerCap.PROGRAM_MANAGE),
        },
    )


@require_POST
@cap_required(PartnerCap.PROGRAM_MANAGE)
def tier_change_decide_view(request: MemberRequest, pk: int) -> HttpResponse:
    if not PartnerTierChange.objects.filter(
        pk=pk, organization_id=request.membership.organization_id
    ).exists():
        raise Http404
    approve = request.POST.get("action") == "approve"
    try:
        tier_change_decide(
            membership=request.membership,
            change_id=pk,
            approve=approve,
            reason=request.POST.get("reason", ""),
        )
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, f"Not decided — {_refusal(exc)}")
    else:
        messages.success(request, "Downgrade applied." if approve else "Downgrade rejected.")
    return redirect("partners:program")


@require_POST
@cap_required(PartnerCap.PROGRAM_MANAGE)
def alert_ack_view(request: MemberRequest, pk: int) -> HttpResponse:
    try:
        alert_acknowledge(membership=request.membership, alert_id=pk)
    except PartnerAlert.DoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, "Alert acknowledged.")
    return redirect("partners:program")


@require_POST
@cap_required(PartnerCap.PROGRAM_MANAGE)
def lifecycle_view(request: MemberRequest, pk: int) -> HttpResponse:
    partner = _partner(request, pk)
    try:
        partner_lifecycle_set(
            membership=request.membership,
            partner_id=partner.pk,
            stage=request.POST.get("stage", ""),
            note=request.POST.get("note", ""),
        )
    except (ApplicationError, ValidationError) as exc:
        messages.error(request, f"Not changed — {_refusal(exc)}")
    else:
        messages.success(request, "Lifecycle updated.")
    return redirect("partners:program-partner", pk=partner.pk)


@require_POST
@cap_required(PartnerCap.PROGRAM_MANAGE)
def onboarding_view(request: MemberRequest, pk: int, step: int) -> HttpResponse:
    partner = _partner(request, pk)
    try:
        onboarding_step_complete(membership=request.membership, partner_id=partner.pk, step_id=step)
    except OnboardingStep.DoesNotExist as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Step done.")
    return redirect("partners:program-partner", pk=partner.pk)
