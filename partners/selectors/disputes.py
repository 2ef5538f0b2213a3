"""Reads of partner disputes: the member's disputes, one dispute's thread, the partner's link
on a deal, the review queue and the ageing report.

Scope comes from the permission table (`PartnerKind.DISPUTE`): admins and finance see the
organization's disputes, a manager those on their team's deals, a rep those on their own
deals, a partner user their partner's — narrowed to the ones they opened unless they hold the
partner-manager grant. Out of scope is "does not exist" (404). Internal notes are read only
for members without the portal capability.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils import timezone

from partners.models import PENDING_DISPUTE_STATUSES, DisputeComment, DisputeStatus, PartnerDispute
from partners.permissions import PartnerCap, PartnerKind
from partners.selectors.registrations import is_partner_manager
from revops.models import Membership, Opportunity
from revops.permissions import Cap, Scope, has_cap, scope_for, scoped

SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "opened": ("created_at", "id"),
    "-opened": ("-created_at", "-id"),
}
# Age buckets of the ageing report, in hours since opening: (label, from, to).
AGE_BUCKETS = (
    ("under 1 day", 0, 24),
    ("1–3 days", 24, 72),
    ("3–5 days", 72, 120),
    ("5–10 days", 120, 240),
    ("over 10 days", 240, None),
)


def dispute_list(*, membership: Membership | None) -> QuerySet[PartnerDispute]:
    """The disputes the member may see (deny by default)."""
    if not has_cap(membership, PartnerCap.DISPUTE_VIEW):
        return PartnerDispute.objects.none()
    qs = scoped(PartnerDispute.objects.all(), membership, kind=PartnerKind.DISPUTE)
    if scope_for(membership, PartnerKind.DISPUTE) is Scope.PARTNER and not is_partner_manager(membership):
        assert membership is not None  # scope_for gives NONE without a membership
        qs = qs.filter(opened_by_id=membership.user_id)
    return qs.select_related("partner", "opportunity__account", "opened_by", "reviewer")


def dispute_get(*, membership: Membership | None, pk: int) -> PartnerDispute:
    """One dispute in the member's scope; DoesNotExist (→ 404) otherwise."""
    return dispute_list(membership=membership).get(pk=pk)


def sees_internal_notes(membership: Membership | None) -> bool:
    """Internal notes are for internal roles: never for a partner user or a partner token."""
    return has_cap(membership, PartnerCap.DISPUTE_VIEW) and not has_cap(membership, Cap.PORTAL)


def dispute_thread(*, membership: Membership | None, dispute: PartnerDispute) -> list[DisputeComment]:
    """The dispute's comments in order; internal notes only for internal members."""
    comments = DisputeComment.objects.filter(dispute=dispute, organization_id=dispute.organization_id)
    if not sees_internal_notes(membership):
        comments = comments.filter(internal=False)
    return list(comments.select_related("author").order_by("created_at", "id"))


@dataclass(frozen=True)
class PartnerLink:
    """A partner's active link on a deal, as the dispute form needs it."""

    opportunity: Opportunity
    partner_id: int
    role: str
    split_percent: Decimal | None


def partner_links_on_deal(*, membership: Membership, opportunity_id: int) -> list[PartnerLink]:
    """The active partner links of a deal the member may dispute; DoesNotExist outside scope.

    A partner user: only their partner's link on their partner's deal (another partner's deal
    does not exist for them). An internal member: the deal must be in their deal scope; every
    partner's link on it.
    """
    if has_cap(membership, Cap.PORTAL):
        deals = Opportunity.objects.filter(organization_id=membership.organization_id)
    else:
        deals = Opportunity.objects.visible_to(membership)
    opportunity = deals.select_related("account").get(pk=opportunity_id)
    rows = (
        Opportunity.objects.filter(pk=opportunity.pk, partner_links__status="active")
        .values_list("partner_links__partner_id", "partner_links__role", "partner_links__split_percent")
        .order_by("partner_links__partner_id", "partner_links__role")
    )
    links = [PartnerLink(opportunity, p, r, s) for p, r, s in rows]
    if has_cap(membership, Cap.PORTAL):
        links = [link for link in links if link.partner_id == membership.partner_id]
        if not links:
            raise Opportunity.DoesNotExist
    return links


def pending_count(*, membership: Membership | None) -> int:
    """Disputes still waiting for an answer, in the member's scope."""
    return dispute_list(membership=membership).filter(status__in=PENDING_DISPUTE_STATUSES).count()


@dataclass(frozen=True)
class DisputeRow:
    dispute: PartnerDispute
    overdue: bool
    age_hours: float


def dispute_rows(
    *,
    membership: Membership,
    status: str = "pending",
    partner_id: int | None = None,
    overdue_only: bool = False,
    sort: str = "due",
    limit: int | None = 200,
    now: dt.datetime | None = None,
) -> list[DisputeRow]:
    """The review queue: disputes by status (default: still pending), soonest due first (every
    one with `limit=None`, for the export)."""
    now = now or timezone.now()
    qs = dispute_list(membership=membership)
    if status == "pending":
        qs = qs.filter(status__in=PENDING_DISPUTE_STATUSES)
    elif status in DisputeStatus.values:
        qs = qs.filter(status=status)
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    if overdue_only:
        qs = qs.filter(status__in=PENDING_DISPUTE_STATUSES, due_at__lt=now)
    rows = []
    for dispute in qs.order_by(*SORTS.get(sort, SORTS["due"]))[:limit]:
        overdue = dispute.status in PENDING_DISPUTE_STATUSES and dispute.due_at < now
        end = dispute.resolved_at or now
        rows.append(DisputeRow(dispute, overdue, round((end - dispute.created_at).total_seconds() / 3600, 1)))
    return rows


@dataclass(frozen=True)
class AgeingReport:
    """Pending disputes by age, SLA breaches, and the median time to resolution."""

    buckets: list[tuple[str, int]]
    pending: int
    pending_breached: int
    resolved: int
    resolved_late: int
    median_hours_to_resolution: float | None
    by_status: dict[str, int]


def ageing_report(*, membership: Membership, now: dt.datetime | None = None) -> AgeingReport:
    """The ageing/SLA report over the member's disputes (a constant number of queries)."""
    now = now or timezone.now()
    qs = dispute_list(membership=membership)
    counts = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    pending = list(
        qs.filter(status__in=PENDING_DISPUTE_STATUSES).values_list("created_at", "due_at").order_by()[:20000]
    )
    buckets = []
    for label, low, high in AGE_BUCKETS:
        n = 0
        for created, _ in pending:
            hours = (now - created).total_seconds() / 3600
            if hours >= low and (high is None or hours < high):
                n += 1
        buckets.append((label, n))
    resolved = list(
        qs.filter(status__in=(DisputeStatus.ACCEPTED, DisputeStatus.REJECTED), resolved_at__isnull=False)
        .values_list("created_at", "resolved_at", "due_at")
        .order_by()[:20000]
    )
    durations = [(done - created).total_seconds() / 3600 for created, done, _ in resolved]
    return AgeingReport(
        buckets=buckets,
        pending=len(pending),
        pending_breached=sum(1 for _, due in pending if due < now),
        resolved=len(resolved),
        resolved_late=sum(1 for _, done, due in resolved if done > due),
        median_hours_to_resolution=round(statistics.median(durations), 1) if durations else None,
        by_status={value: counts.get(value, 0) for value in DisputeStatus.values},
    )
