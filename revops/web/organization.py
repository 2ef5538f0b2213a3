"""Switch the current organization (for users who belong to several)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from revops.forms import OrganizationSwitchForm
from revops.htmx import htmx_partial
from revops.selectors.tokens import membership_for_switch
from revops.tenancy import organization_switch


# No capability: choosing which of one's own organizations to work in is open to every
# member; membership_for_switch refuses (404) any organization the user is not in.
@require_POST
@login_required
def organization_switch_view(request: HttpRequest) -> HttpResponse:
    form = OrganizationSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404
    membership = membership_for_switch(user=request.user, organization_id=form.cleaned_data["organization"])
    # membership.user is the concrete User row (request.user is a lazy wrapper).
    organization_switch(user=membership.user, organization=membership.organization, session=request.session)
    messages.success(request, f"You are now working in {membership.organization.name}.")
    if htmx_partial(request):
        return HttpResponseClientRedirect(reverse("revops:home"))
    return redirect("revops:home")
