"""Reads on leads and their assignments, scoped by the permission table (a rep: their own)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from distribution.models import Lead, LeadAssignment
from distribution.permissions import DistributionKind
from revops.models import Membership
from revops.permissions import scope_user_ids, scoped


def lead_scope(*, membership: Membership | None) -> QuerySet[Lead]:
    return scoped(Lead.objects.all(), membership, kind=DistributionKind.LEAD)


def lead_list(
    *, membership: Membership | None, q: str = "", status: str = "", owner: str = ""
) -> QuerySet[Lead]:
    qs = lead_scope(membership=membership).select_related("owner", "campaign")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(company__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if owner == "none":
        qs = qs.filter(owner__isnull=True)
    return qs.order_by("-received_at", "-id")


def assignment_scope(*, membership: Membership | None) -> QuerySet[LeadAssignment]:
    return scoped(LeadAssignment.objects.all(), membership, kind=DistributionKind.ASSIGNMENT)


def lead_assignments(*, membership: Membership | None, lead: Lead) -> QuerySet[LeadAssignment]:
    return (
        assignment_scope(membership=membership)
        .filter(lead=lead)
        .select_related("rep", "run")
        .order_by("-created_at", "-id")
    )


def visible_rep_ids(*, membership: Membership | None) -> set[int] | None:
    """Whose assignments the member sees: None for the whole organization, else user ids."""
    ids = scope_user_ids(membership, DistributionKind.ASSIGNMENT)
    if ids is None or membership is None:
        return None
    return set(
        Membership.objects.filter(organization_id=membership.organization_id, user_id__in=ids).values_list(
            "user_id", flat=True
        )
    )
