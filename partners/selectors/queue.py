"""The approval queue across kinds: deal registrations, partner touchpoints, split changes.

Rows of every kind become one `QueueItem` (what the table shows, and the request itself for
`may_decide`); each kind is read in its member's scope with one query, its first `limit` rows
in the chosen order, then the kinds are merged in that order — so the page's query count does
not grow with the rows. Statistics are per kind: pending, past SLA, decided, SLA breaches
(pending past the SLA, plus decided after the step's SLA) and the median time to decision.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from partners.models import ApprovalKind
from partners.selectors.registrations import registration_list
from partners.selectors.touchpoints import split_change_list, touchpoint_list
from revops.models import Membership

PENDING = "submitted"
SORT_FIELDS = {
    "sla": ("step_due_at", False),
    "-sla": ("step_due_at", True),
    "-value": ("value", True),
    "value": ("value", False),
    "-submitted": ("created_at", True),
    "submitted": ("created_at", False),
}
ORDER = {
    "sla": ("step_due_at", "id"),
    "-sla": ("-step_due_at", "-id"),
    "-submitted": ("-created_at", "-id"),
    "submitted": ("created_at", "id"),
}
KIND_URL = {
    ApprovalKind.REGISTRATION: "partners:registration",
    ApprovalKind.TOUCHPOINT: "partners:touchpoint",
    ApprovalKind.SPLIT_CHANGE: "partners:split-change",
}


@dataclass(frozen=True)
class QueueItem:
    kind: str
    subject: Any  # the request (DealRegistration, PartnerTouchpoint, SplitChangeRequest)
    partner: str
    title: str
    detail: str
    value: Decimal | None
    currency: str
    step_name: str
    overdue: bool
    conflict: bool
    status: str
    url_name: str

    @property
    def pk(self) -> int:
        return self.subject.pk

    @property
    def key(self) -> str:
        """How the bulk form names the request: `<kind>:<id>`."""
        return f"{self.kind}:{self.subject.pk}"

    @property
    def row_id(self) -> str:
        return f"{self.kind.replace('_', '-')}-{self.subject.pk}"


@dataclass(frozen=True)
class KindStats:
    kind: str
    label: str
    pending: int
    overdue: int
    decided: int
    sla_breaches: int
    median_hours_to_decision: float | None


def _step_name(subject) -> str:
    steps = subject.steps or []
    return steps[subject.current_step]["name"] if subject.current_step < len(steps) else ""


def _overdue(subject, now: dt.datetime) -> bool:
    return subject.status == PENDING and subject.step_due_at is not None and subject.step_due_at < now


def _registration_item(r, now) -> QueueItem:
    return QueueItem(
        kind=ApprovalKind.REGISTRATION,
        subject=r,
        partner=r.partner.name,
        title=r.account_name,
        detail=f"{r.product_line.name}" + (f" · {r.domain}" if r.domain else ""),
        value=r.estimated_value,
        currency=r.currency,
        step_name=_step_name(r),
        overdue=_overdue(r, now),
        conflict=r.has_conflict,
        status=r.status,
        url_name=KIND_URL[ApprovalKind.REGISTRATION],
    )


def _touchpoint_item(t, now) -> QueueItem:
    deal = t.opportunity
    return QueueItem(
        kind=ApprovalKind.TOUCHPOINT,
        subject=t,
        partner=t.partner.name,
        title=t.account.name,
        detail=f"{t.get_activity_type_display()} on {t.occurred_on}" + (f" · {deal.name}" if deal else ""),
        value=deal.amount if deal else None,
        currency=deal.currency if deal else "",
        step_name=_step_name(t),
        overdue=_overdue(t, now),
        conflict=t.has_conflict,
        status=t.status,
        url_name=KIND_URL[ApprovalKind.TOUCHPOINT],
    )


def _split_item(s, now) -> QueueItem:
    before = "default" if s.current_split is None else f"{s.current_split} %"
    after = "default" if s.proposed_split is None else f"{s.proposed_split} %"
    return QueueItem(
        kind=ApprovalKind.SPLIT_CHANGE,
        subject=s,
        partner=s.partner.name,
        title=s.opportunity.name,
        detail=f"{s.get_role_display()}: {before} → {after}",
        value=s.opportunity.amount,
        currency=s.opportunity.currency,
        step_name=_step_name(s),
        overdue=_overdue(s, now),
        conflict=s.has_conflict,
        status=s.status,
        url_name=KIND_URL[ApprovalKind.SPLIT_CHANGE],
    )


def _sources(membership: Membership) -> list[tuple[str, QuerySet, str, Any]]:
    """(kind, scoped queryset, value field for sorting, row builder) per kind."""
    return [
        (
            ApprovalKind.REGISTRATION,
            registration_list(membership=membership),
            "estimated_value",
            _registration_item,
        ),
        (
            ApprovalKind.TOUCHPOINT,
            touchpoint_list(membership=membership).select_related("opportunity"),
            "opportunity__amount",
            _touchpoint_item,
        ),
        (
            ApprovalKind.SPLIT_CHANGE,
            split_change_list(membership=membership),
            "opportunity__amount",
            _split_item,
        ),
    ]


def _sort_key(field: str, item: QueueItem):
    if field == "value":
        return item.value if item.value is not None else Decimal("-1")
    stamp = getattr(item.subject, field)
    return stamp or dt.datetime.max.replace(tzinfo=dt.UTC)


def queue_items(
    *,
    membership: Membership,
    kind: str = "",
    status: str = PENDING,
    sort: str = "sla",
    conflict: str = "",
    limit: int = 200,
) -> list[QueueItem]:
    """The queue: requests of every kind (or one), by status, in the chosen order (SLA first)."""
    now = timezone.now()
    field, descending = SORT_FIELDS.get(sort, SORT_FIELDS["sla"])
    items: list[QueueItem] = []
    for source_kind, qs, value_field, build in _sources(membership):
        if kind and kind != source_kind:
            continue
        if status:
            qs = qs.filter(status=status)
        if conflict in ("yes", "no"):
            qs = qs.filter(has_conflict=conflict == "yes")
        if field == "value":
            order = (
                F(value_field).desc(nulls_last=True) if descending else F(value_field).asc(nulls_first=True),
                "id",
            )
        else:
            order = ORDER.get(sort, ORDER["sla"])
        items.extend(build(subject, now) for subject in qs.order_by(*order)[:limit])
    items.sort(key=lambda item: _sort_key(field, item), reverse=descending)
    return items[:limit]


def queue_stats_by_kind(*, membership: Membership) -> list[KindStats]:
    """Per kind: pending, past SLA, decided, SLA breaches, median hours to decision."""
    now = timezone.now()
    out = []
    labels = dict(ApprovalKind.choices)
    for kind, qs, _value, _build in _sources(membership):
        figures = qs.aggregate(
            pending=Count("id", filter=Q(status=PENDING)),
            overdue=Count("id", filter=Q(status=PENDING, step_due_at__lt=now)),
            decided=Count("id", filter=Q(decided_at__isnull=False)),
            late=Count("id", filter=Q(decided_at__isnull=False, decided_at__gt=F("step_due_at"))),
        )
        durations = [
            (decided - created).total_seconds() / 3600
            for created, decided in qs.filter(decided_at__isnull=False)
            .order_by()
            .values_list("created_at", "decided_at")[:5000]
        ]
        out.append(
            KindStats(
                kind=kind,
                label=labels[kind],
                pending=figures["pending"],
                overdue=figures["overdue"],
                decided=figures["decided"],
                sla_breaches=figures["overdue"] + figures["late"],
                median_hours_to_decision=round(statistics.median(durations), 1) if durations else None,
            )
        )
    return out
