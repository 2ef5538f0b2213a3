"""Invite a rep or a sales manager (finance and admins): the new user gets an e-mail to set their
password."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from commissions.forms import RepInviteForm
from commissions.permissions import CommissionCap
from commissions.services.reps import rep_invite
from revops.exceptions import ApplicationError
from revops.permissions import cap_required
from revops.tenancy import MemberRequest


@cap_required(CommissionCap.PLAN_EDIT)
def rep_invite_view(request: MemberRequest) -> HttpResponse:
    """GET shows the form; POST creates the user and mails the invitation."""
    form = RepInviteForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = rep_invite(
                organization=request.organization,
                actor=request.user,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                manager=data["manager"],
                team=data["team"],
                base_url=request.build_absolute_uri("/"),
            )
        except ApplicationError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request, f"Invited {membership.user.email}: they will set their password from the e-mail."
            )
            return redirect("commissions:rep-invite")
    status = 400 if request.method == "POST" else 200
    return render(request, "commissions/rep_invite.html", {"form": form}, status=status)
