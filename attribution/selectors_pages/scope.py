"""The ledger entries and revenue events a member may see on the attribution pages."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from attribution.models import AttributionEntry, RevenueEvent
from attribution.selectors import entry_list
from revops.models import Account, Membership, Opportunity
from revops.permissions import Cap, has_cap
from revops.querysets import team_user_ids


def _event_scope(membership: Membership, prefix: str = "") -> Q | None:
    """None when the member sees the whole organization, else the events of their deals/accounts."""
    if team_user_ids(membership) is None:
        return None
    deals = Opportunity.objects.visible_to(membership).values("id")
    accounts = Account.objects.visible_to(membership).values("id")
    return Q(**{f"{prefix}opportunity_id__in": deals}) | Q(
        **{f"{prefix}opportunity__isnull": True, f"{prefix}account_id__in": accounts}
    )


def page_entries(*, membership: Membership | None) -> QuerySet[AttributionEntry]:
    """Ledger entries for internal pages: a rep or team manager sees only their deals' entries."""
    if membership is None or membership.role == "partner" or not has_cap(membership, Cap.ATTRIBUTION_VIEW):
        return AttributionEntry.objects.none()
    qs = entry_list(membership=membership)
    scope = _event_scope(membership, prefix="revenue_event__")
    return qs if scope is None else qs.filter(scope)


def page_revenue_events(*, membership: Membership | None) -> QuerySet[RevenueEvent]:
    """Revenue events for internal pages, scoped like `page_entries`."""
    if membership is None or membership.role == "partner" or not has_cap(membership, Cap.ATTRIBUTION_VIEW):
        return RevenueEvent.objects.none()
    qs = RevenueEvent.objects.filter(organization_id=membership.organization_id)
    scope = _event_scope(membership)
    return qs if scope is None else qs.filter(scope)
