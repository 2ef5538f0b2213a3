"""Salesperson profile pages: the list (admins and managers), create and edit (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from distribution.forms import ProfileForm, profile_initial
from distribution.models import SalespersonProfile
from distribution.permissions import DistributionCap
from distribution.selectors.profiles import profile_campaigns, profile_list, profile_members
from distribution.services.profiles import ProfileTerms, profile_save
from revops.permissions import cap_required, has_cap
from revops.tenancy import MemberRequest


@require_safe
@cap_required(DistributionCap.RUN)
def profile_list_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    campaigns = list(profile_campaigns(membership=membership))
    try:
        campaign_id = int(request.GET["campaign"]) if request.GET.get("campaign") else None
    except ValueError:
        campaign_id = None
    context = {
        "profiles": list(profile_list(membership=membership, campaign_id=campaign_id)),
        "campaigns": campaigns,
        "campaign_id": campaign_id,
        "can_edit": has_cap(membership, DistributionCap.CONFIG_EDIT),
    }
    return render(request, "distribution/profiles.html", context)


def _form(request: MemberRequest, **kwargs) -> ProfileForm:
    membership = request.membership
    return ProfileForm(
        **kwargs,
        members=profile_members(membership=membership),
        campaigns=profile_campaigns(membership=membership),
    )


def _terms(data: dict) -> ProfileTerms:
    return ProfileTerms(
        user_id=data["user"],
        campaign_id=data["campaign"],
        active=data["active"],
        team=data["team"],
        level=data["level"],
        target_leads=data["target_leads"],
        capacity=data["capacity"],
        working_days=tuple(data["working_days"]),
        out_of_office=data["out_of_office"],
    )


def _save(
    request: MemberRequest, form: ProfileForm, profile: SalespersonProfile | None
) -> HttpResponse | None:
    """Save a valid form through the service; None (errors on the form) when refused."""
    if not form.is_valid():
        return None
    try:
        saved = profile_save(
            organization=request.membership.organization,
            actor=request.user,
            terms=_terms(form.cleaned_data),
            profile=profile,
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    messages.success(request, f"Saved the profile of {saved.user.get_full_name() or saved.user.email}.")
    return redirect("distribution:profiles")


@require_http_methods(["GET", "HEAD", "POST"])
@cap_required(DistributionCap.CONFIG_EDIT)
def profile_new_view(request: MemberRequest) -> HttpResponse:
    if request.method == "POST":
        form = _form(request, data=request.POST)
        if (response := _save(request, form, None)) is not None:
            return response
    else:
        form = _form(request, initial={"active": True, "working_days": [1, 2, 3, 4, 5]})
    return render(request, "distribution/profile_edit.html", {"form": form, "profile": None})


@require_http_methods(["GET", "HEAD", "POST"])
@cap_required(DistributionCap.CONFIG_EDIT)
def profile_edit_view(request: MemberRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(profile_list(membership=request.membership), pk=pk)
    if request.method == "POST":
        form = _form(request, data=request.POST)
        if (response := _save(request, form, profile)) is not None:
            return response
    else:
        form = _form(request, initial=profile_initial(profile))
    return render(request, "distribution/profile_edit.html", {"form": form, "profile": profile})
