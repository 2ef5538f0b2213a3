"""Reads of salesperson profiles for the profile pages, with each rep's open-lead workload."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from distribution.models import OPEN_STATUSES, Campaign, Lead, SalespersonProfile
from revops.models import Membership, Role

# Roles a profile may be written for: the members a distribution can hand leads to.
SALES_ROLES = (Role.REP, Role.MANAGER, Role.ADMIN)


def profile_list(*, membership: Membership, campaign_id: int | None = None) -> QuerySet[SalespersonProfile]:
    """The organization's profiles (rep, campaign), with `open_leads`: the open leads the rep owns."""
    organization = membership.organization
    open_leads = (
        Lead.objects.filter(organization=organization, owner_id=OuterRef("user_id"), status__in=OPEN_STATUSES)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = (
        SalespersonProfile.objects.filter(organization=organization)
        .select_related("user", "campaign")
        .annotate(open_leads=Coalesce(Subquery(open_leads), Value(0)))
        .order_by("user__last_name", "user__first_name", "user__email", "campaign__name", "id")
    )
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    return qs


def profile_campaigns(*, membership: Membership) -> QuerySet[Campaign]:
    return Campaign.objects.filter(organization=membership.organization)


def profile_members(*, membership: Membership) -> QuerySet[Membership]:
    """Active members a profile can be written for, by name."""
    return (
        Membership.objects.filter(organization=membership.organization, is_active=True, role__in=SALES_ROLES)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )
