"""API tokens page: list, create (the key is shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from revops.exceptions import ApplicationError
from revops.forms import TokenCreateForm
from revops.htmx import htmx_partial
from revops.permissions import Cap, cap_required, has_cap
from revops.selectors.tokens import token_get, token_list
from revops.services.tokens import api_token_create, api_token_revoke
from revops.tenancy import MemberRequest


def _page(
    request: MemberRequest, form: TokenCreateForm, new_key: str = "", status: int = 200
) -> HttpResponse:
    membership = request.membership
    context = {
        "tokens": token_list(membership=membership),
        "form": form,
        "new_key": new_key,
        "manage_all": has_cap(membership, Cap.TOKEN_MANAGE_ALL),
    }
    response = render(request, "revops/token_list.html", context, status=status)
    if new_key:
        response["Cache-Control"] = "no-store"  # the key must not linger in a cache
    return response


@cap_required(Cap.TOKEN_MANAGE_OWN)
def token_list_view(request: MemberRequest) -> HttpResponse:
    return _page(request, TokenCreateForm())


@require_POST
@cap_required(Cap.TOKEN_MANAGE_OWN)
def token_create_view(request: MemberRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        _token, key = api_token_create(
            organization=request.organization,
            user=request.user,
            name=form.cleaned_data["name"],
            acting_user=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("revops:token-list")
    # Rendered, not redirected: the key exists only in this response and is never stored.
    return _page(request, TokenCreateForm(), new_key=key)


@require_POST
@cap_required(Cap.TOKEN_MANAGE_OWN)
def token_revoke_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Revoke a token the member may manage; revoking again is a no-op."""
    token = token_get(membership=request.membership, pk=pk)
    token = api_token_revoke(token=token, acting_user=request.user)
    if htmx_partial(request):
        context = {"token": token, "manage_all": has_cap(request.membership, Cap.TOKEN_MANAGE_ALL)}
        return render(request, "revops/partials/token_row.html", context)
    messages.success(request, f"Token “{token.name}” is revoked.")
    return redirect("revops:token-list")
