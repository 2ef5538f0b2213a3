"""The current organization of a request, chosen from the user's memberships.

A user in several organizations picks one; the choice is kept in the session and on the
user (so it survives logout and applies to API tokens). API clients may name an
organization with the `X-Organization` header (slug); it must be one they belong to.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest

from revops.models import Membership, Organization

SESSION_KEY = "revops_organization_id"
HEADER = "HTTP_X_ORGANIZATION"


class TenantRequest(HttpRequest):
    """A request `attach` has seen: its membership and organization, None without one."""

    membership: Membership | None
    organization: Organization | None


class MemberRequest(HttpRequest):
    """A request of a signed-in member, as views behind `cap_required` receive it."""

    membership: Membership
    organization: Organization


def memberships_for(user) -> list[Membership]:
    if not user or not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organization", "partner")
        .order_by("organization__name")
    )


def resolve_membership(request: HttpRequest, token=None) -> Membership | None:
    """Pick the request's membership: token, header, session, user default, then first."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = memberships_for(user)
    if token is not None:
        # A token is bound to one organization; nothing else is reachable with it.
        return next((m for m in memberships if m.organization_id == token.organization_id), None)
    wanted_slug = request.META.get(HEADER)
    if wanted_slug:
        return next((m for m in memberships if m.organization.slug == wanted_slug), None)
    session = getattr(request, "session", None)
    wanted_id = session.get(SESSION_KEY) if session is not None else None
    wanted_id = wanted_id or user.current_organization_id
    chosen = next((m for m in memberships if m.organization_id == wanted_id), None)
    return chosen or (memberships[0] if memberships else None)


def attach(request: TenantRequest, token=None) -> Membership | None:
    """Set `request.membership` and `request.organization` (None when the user has none)."""
    membership = resolve_membership(request, token=token)
    request.membership = membership
    request.organization = membership.organization if membership else None
    return membership


class OrganizationMiddleware:
    """Attach the membership of session-authenticated requests.

    API requests authenticated by token are attached again by the API base view, after DRF
    has authenticated them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        attach(request)
        return self.get_response(request)


@transaction.atomic
def organization_switch(*, user, organization: Organization, session) -> Membership:
    """Make `organization` the user's current one; the user must be a member."""
    membership = Membership.objects.select_related("organization").get(
        user=user, organization=organization, is_active=True
    )
    session[SESSION_KEY] = organization.pk
    get_user_model().objects.filter(pk=user.pk).update(current_organization=organization)
    return membership
