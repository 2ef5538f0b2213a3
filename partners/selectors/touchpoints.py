"""Reads of partner touchpoints and split-change requests (portal, queue, API, provider).

Scope comes from the permission table (`PartnerKind.TOUCHPOINT`, `PartnerKind.SPLIT_CHANGE`):
approvers and finance see the organization's, a partner user their partner's touchpoints —
narrowed to the ones they submitted unless they hold the partner-manager grant — and no
split-change request. Out of scope is "does not exist" (404).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from partners.models import (
    ApprovalStatus,
    DealRegistration,
    PartnerTouchpoint,
    RegistrationStatus,
    SplitChangeRequest,
)
from partners.permissions import PartnerCap, PartnerKind
from partners.selectors.registrations import is_partner_manager
from revops.models import Account, Membership, Opportunity
from revops.models.crm import OPEN_STAGES
from revops.permissions import Scope, has_cap, scope_for, scoped


def touchpoint_list(*, membership: Membership | None) -> QuerySet[PartnerTouchpoint]:
    """The touchpoints the member may see (deny by default)."""
    if not has_cap(membership, PartnerCap.REGISTRATION_VIEW):
        return PartnerTouchpoint.objects.none()
    qs = scoped(PartnerTouchpoint.objects.all(), membership, kind=PartnerKind.TOUCHPOINT)
    if scope_for(membership, PartnerKind.TOUCHPOINT) is Scope.PARTNER and not is_partner_manager(membership):
        assert membership is not None  # scope_for gives NONE without a membership
        qs = qs.filter(submitted_by_id=membership.user_id)
    return qs.select_related("partner", "account", "opportunity", "submitted_by")


def touchpoint_get(*, membership: Membership | None, pk: int) -> PartnerTouchpoint:
    """One touchpoint in the member's scope; DoesNotExist (→ 404) otherwise."""
    return touchpoint_list(membership=membership).get(pk=pk)


def split_change_list(*, membership: Membership | None) -> QuerySet[SplitChangeRequest]:
    """The split-change requests the member may see (internal readers only)."""
    if not has_cap(membership, PartnerCap.REGISTRATION_VIEW):
        return SplitChangeRequest.objects.none()
    qs = scoped(SplitChangeRequest.objects.all(), membership, kind=PartnerKind.SPLIT_CHANGE)
    return qs.select_related("partner", "opportunity", "opportunity__account", "submitted_by")


def split_change_get(*, membership: Membership | None, pk: int) -> SplitChangeRequest:
    return split_change_list(membership=membership).get(pk=pk)


def touchpoint_deals(*, membership: Membership) -> QuerySet[Opportunity]:
    """Deals a partner user may name on a touchpoint: those their partner is linked to."""
    if membership.partner_id is None:
        return Opportunity.objects.none()
    return (
        Opportunity.objects.filter(
            organization_id=membership.organization_id,
            partner_links__partner_id=membership.partner_id,
            partner_links__status="active",
        )
        .select_related("account")
        .distinct()
        .order_by("name", "id")
    )


def touchpoint_accounts(*, membership: Membership) -> QuerySet[Account]:
    """Accounts a partner user may report an activity on: those of their partner's deals, of
    their account shares and of their approved deal registrations (never the whole book)."""
    if membership.partner_id is None:
        return Account.objects.none()
    partner_id = membership.partner_id
    deals = Opportunity.objects.filter(
        organization_id=membership.organization_id, partner_links__partner_id=partner_id
    ).values("account_id")
    registered = DealRegistration.objects.filter(
        organization_id=membership.organization_id,
        partner_id=partner_id,
        status=RegistrationStatus.APPROVED,
        account__isnull=False,
    ).values("account_id")
    return (
        Account.objects.filter(organization_id=membership.organization_id)
        .filter(Q(id__in=deals) | Q(partner_links__partner_id=partner_id) | Q(id__in=registered))
        .distinct()
        .order_by("name", "id")
    )


def open_deals_of_account(*, organization_id: int, account_id: int) -> list[Opportunity]:
    """The account's open deals, oldest first (what an account-level touchpoint credits)."""
    return list(
        Opportunity.objects.filter(
            organization_id=organization_id, account_id=account_id, stage__in=OPEN_STAGES
        ).order_by("created_date", "id")
    )


def approved_touchpoints_between(
    *, organization_id: int, start: dt.date, end: dt.date
) -> QuerySet[PartnerTouchpoint]:
    """Approved touchpoints whose activity took place in [start, end] (the journey provider)."""
    return PartnerTouchpoint.objects.filter(
        organization_id=organization_id,
        status=ApprovalStatus.APPROVED,
        occurred_on__gte=start,
        occurred_on__lte=end,
    ).order_by("occurred_on", "id")
