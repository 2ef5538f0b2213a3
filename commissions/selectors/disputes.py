"""Disputes as the pages show them: scoped by rep, with their age against the settlement SLA."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from commissions.models import DisputeStatus, StatementDispute
from commissions.permissions import CommissionKind
from revops.models import Membership
from revops.permissions import scoped


@dataclass(frozen=True)
class DisputeRow:
    dispute: StatementDispute
    age_days: int  # open: days since raised; settled: days it took
    overdue: bool  # open longer than the SLA


@dataclass(frozen=True)
class DisputeSummary:
    open: int
    overdue: int
    settled: int
    median_days_to_settle: float | None
    sla_days: int


def sla_days() -> int:
    return settings.REVOPS_COMMISSION_DISPUTE_SLA_DAYS


def dispute_queryset(*, membership: Membership) -> QuerySet[StatementDispute]:
    return scoped(
        StatementDispute.objects.filter(organization_id=membership.organization_id),
        membership,
        kind=CommissionKind.DISPUTE,
    ).select_related("statement", "line__product_line", "rep", "raised_by", "resolved_by", "adjustment")


def dispute_get(*, membership: Membership, pk: int) -> StatementDispute:
    dispute = dispute_queryset(membership=membership).filter(pk=pk).first()
    if dispute is None:
        raise Http404
    return dispute


def dispute_rows(*, membership: Membership, status: str = "") -> tuple[list[DisputeRow], DisputeSummary]:
    """Open disputes first, oldest first; then the settled ones, latest first (two queries)."""
    now = timezone.now()
    limit = sla_days()
    disputes = list(dispute_queryset(membership=membership).order_by("created_at", "id"))
    rows, settle_days = [], []
    for dispute in disputes:
        end = dispute.resolved_at or now
        age = (end - dispute.created_at).days
        if dispute.status != DisputeStatus.OPEN:
            settle_days.append(age)
        rows.append(DisputeRow(dispute, age, dispute.status == DisputeStatus.OPEN and age > limit))
    summary = DisputeSummary(
        open=sum(1 for r in rows if r.dispute.status == DisputeStatus.OPEN),
        overdue=sum(1 for r in rows if r.overdue),
        settled=len(settle_days),
        median_days_to_settle=statistics.median(settle_days) if settle_days else None,
        sla_days=limit,
    )
    if status:
        rows = [r for r in rows if r.dispute.status == status]
    open_rows = [r for r in rows if r.dispute.status == DisputeStatus.OPEN]
    settled = sorted(
        (r for r in rows if r.dispute.status != DisputeStatus.OPEN),
        key=lambda r: r.dispute.resolved_at or now,
        reverse=True,
    )
    return [*open_rows, *settled], summary


def line_disputes(*, membership: Membership, line_id: int) -> list[StatementDispute]:
    return list(dispute_queryset(membership=membership).filter(line_id=line_id).order_by("-created_at"))
