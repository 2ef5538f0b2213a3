"""Reads of deal registrations for the portal, the approval queue (partners.selectors.queue),
the API and exports.

Scope comes from the permission table (`PartnerKind.REGISTRATION`): internal approvers see
the organization's registrations, a partner user their partner's — narrowed to the ones they
submitted unless they hold the partner-manager grant. Out of scope is "does not exist" (404).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet

from partners.models import DealRegistration, PartnerManagerGrant, RegistrationStatus
from partners.permissions import PartnerCap, PartnerKind
from revops.models import Membership, Role
from revops.permissions import Scope, has_cap, scope_for, scoped


def is_partner_manager(membership: Membership | None) -> bool:
    """Whether a partner user holds the explicit partner-manager grant."""
    if membership is None or membership.partner_id is None:
        return False
    return PartnerManagerGrant.objects.filter(membership=membership).exists()


def partner_colleagues(*, membership: Membership) -> QuerySet[Membership]:
    """The partner users of the member's partner, for a partner manager (none for anyone else)."""
    if not is_partner_manager(membership) or not has_cap(membership, PartnerCap.REGISTRATION_SUBMIT):
        return Membership.objects.none()
    assert membership is not None  # is_partner_manager refuses None
    return (
        Membership.objects.filter(
            organization_id=membership.organization_id, partner_id=membership.partner_id, role=Role.PARTNER
        )
        .select_related("user", "partner_manager_grant")
        .order_by("user__email")
    )


def registration_list(*, membership: Membership | None) -> QuerySet[DealRegistration]:
    """The registrations the member may see (deny by default)."""
    if not has_cap(membership, PartnerCap.REGISTRATION_VIEW):
        return DealRegistration.objects.none()
    qs = scoped(DealRegistration.objects.all(), membership, kind=PartnerKind.REGISTRATION)
    if scope_for(membership, PartnerKind.REGISTRATION) is Scope.PARTNER and not is_partner_manager(
        membership
    ):
        assert membership is not None  # scope_for gives NONE without a membership
        qs = qs.filter(submitted_by_id=membership.user_id)
    return qs.select_related("partner", "product_line", "submitted_by")


def registration_get(*, membership: Membership | None, pk: int) -> DealRegistration:
    """One registration in the member's scope; DoesNotExist (→ 404) otherwise."""
    return registration_list(membership=membership).get(pk=pk)


def status_counts(*, membership: Membership) -> dict[str, int]:
    """Registrations per status (every status listed, zero when none)."""
    counts = dict(
        registration_list(membership=membership).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {value: counts.get(value, 0) for value in RegistrationStatus.values}


def expiring(*, membership: Membership, today: dt.date, limit: int = 10) -> list[DealRegistration]:
    """Approved registrations still protected, soonest expiry first."""
    return list(
        registration_list(membership=membership)
        .filter(status=RegistrationStatus.APPROVED, protected_until__gte=today)
        .order_by("protected_until", "id")[:limit]
    )
