"""API token and membership reads for the account pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from revops.models import ApiToken, Membership
from revops.permissions import Cap, has_cap


def token_list(*, membership: Membership) -> QuerySet:
    """The member's own tokens; org admins (TOKEN_MANAGE_ALL) see every token of the organization."""
    qs = ApiToken.objects.filter(organization_id=membership.organization_id).select_related("user")
    if has_cap(membership, Cap.TOKEN_MANAGE_ALL):
        return qs
    return qs.filter(user_id=membership.user_id)


def token_get(*, membership: Membership, pk: int) -> ApiToken:
    """A token the member may manage, else 404."""
    return get_object_or_404(token_list(membership=membership), pk=pk)


def membership_for_switch(*, user, organization_id: int) -> Membership:
    """The user's active membership in that organization, else 404."""
    return get_object_or_404(
        Membership.objects.select_related("organization", "user"),
        user=user,
        organization_id=organization_id,
        is_active=True,
    )
