"""The portal's users page: a partner manager's colleagues, invitations, deactivation.

For partner users with the partner-manager grant; any other partner user gets 404 here (as
everyone outside the portal does). A colleague is looked up among the partner's own users, so
another partner's or organization's is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from partners.forms import ColleagueInviteForm
from partners.selectors.registrations import is_partner_manager, partner_colleagues
from partners.services.users import partner_user_deactivate, partner_user_invite, partner_user_resend
from partners.views.access import portal_required
from revops.exceptions import ApplicationError
from revops.models import Membership
from revops.tenancy import MemberRequest


def _manager_only(request: MemberRequest) -> None:
    if not is_partner_manager(request.membership):
        raise Http404


def _colleague(request: MemberRequest, pk: int) -> Membership:
    colleague = partner_colleagues(membership=request.membership).filter(pk=pk).first()
    if colleague is None:
        raise Http404
    return colleague


@require_http_methods(["GET", "HEAD", "POST"])
@portal_required
def users_view(request: MemberRequest) -> HttpResponse:
    _manager_only(request)
    form = ColleagueInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invited = partner_user_invite(
                membership=request.membership, base_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(
                request, f"Invited {invited.user.email}: they set their password from the e-mail."
            )
            return redirect("portal:users")
    colleagues = [
        {"membership": m, "pending": not m.user.has_usable_password(), "is_me": m.pk == request.membership.pk}
        for m in partner_colleagues(membership=request.membership)
    ]
    status = 400 if request.method == "POST" else 200
    return render(
        request, "partners/portal/users.html", {"form": form, "colleagues": colleagues}, status=status
    )


@require_POST
@portal_required
def user_resend_view(request: MemberRequest, pk: int) -> HttpResponse:
    _manager_only(request)
    colleague = _colleague(request, pk)
    try:
        partner_user_resend(
            membership=request.membership, colleague=colleague, base_url=request.build_absolute_uri("/")
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invitation sent again to {colleague.user.email}.")
    return redirect("portal:users")


@require_POST
@portal_required
def user_deactivate_view(request: MemberRequest, pk: int) -> HttpResponse:
    _manager_only(request)
    colleague = _colleague(request, pk)
    try:
        partner_user_deactivate(membership=request.membership, colleague=colleague)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{colleague.user.email} is deactivated.")
    return redirect("portal:users")
