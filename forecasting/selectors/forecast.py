"""Reads of the forecast page: the latest snapshot as the member may see it, calls, changes.

Scope (`ForecastKind.SCORE`): whoever sees the organization's deals sees the organization's
forecast; a team manager sees their team's quarter, a rep their own, from the snapshot's
per-team and per-owner simulations; pipeline changes list only deals in scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.db.models import QuerySet

from forecasting.models import ForecastCall, ForecastSnapshot
from forecasting.permissions import ForecastKind
from forecasting.selectors.dataset import organization_today
from forecasting.selectors.periods import Period, quarter_of
from revops.models import Membership, Opportunity, User
from revops.permissions import Scope, scope_for, scope_user_ids, scoped

PERCENTILES = np.arange(0, 101, 5)


def probability_at_least(percentiles: list[float], target: float) -> float:
    """P(revenue ≥ target) read from the stored 0, 5, …, 100th percentiles (linear between)."""
    values = np.asarray(percentiles, dtype=float)
    if target <= values[0]:
        return 1.0
    if target > values[-1]:
        return 0.0
    below = float(np.interp(target, values, PERCENTILES)) / 100
    return round(1.0 - below, 3)


@dataclass(frozen=True)
class Change:
    kind: str  # new, won, lost, slipped, pulled in, moved out, moved in, amount up, amount down
    deal_id: int
    name: str
    before: str = ""
    after: str = ""


@dataclass
class ForecastView:
    snapshot: ForecastSnapshot | None
    scope: Scope
    quarter: Period
    periods: list[dict] = field(default_factory=list)  # organization scope only
    mine: dict | None = None  # the member's own or team's quarter (percentiles)
    changes: list[Change] = field(default_factory=list)
    previous: ForecastSnapshot | None = None


def _user_ids(membership: Membership) -> set[int] | None:
    ids = scope_user_ids(membership, ForecastKind.SCORE)
    if ids is None:
        return None
    if isinstance(ids, list):
        return set(ids)
    return set(User.objects.filter(pk__in=ids).values_list("pk", flat=True))


def forecast_view(*, membership: Membership) -> ForecastView:
    org = membership.organization
    today = organization_today(org)
    quarter = quarter_of(org, today)
    scope = scope_for(membership, ForecastKind.SCORE)
    snapshots = ForecastSnapshot.objects.filter(organization=org).order_by("-as_of", "-id")
    snapshot = snapshots.first()
    view = ForecastView(snapshot, scope, quarter)
    if snapshot is None:
        return view
    if scope is Scope.ORGANIZATION:
        view.periods = snapshot.periods
    elif scope is Scope.TEAM:
        view.mine = snapshot.baseline.get("by_team", {}).get(str(membership.user_id))
    else:
        view.mine = snapshot.baseline.get("by_owner", {}).get(str(membership.user_id))
    previous = snapshots.filter(as_of__lte=snapshot.as_of - dt.timedelta(days=7)).first()
    view.previous = previous
    if previous is not None:
        view.changes = pipeline_changes(previous, snapshot, membership=membership, quarter_end=quarter.end)
    return view


def pipeline_changes(
    before: ForecastSnapshot, after: ForecastSnapshot, *, membership: Membership, quarter_end: dt.date
) -> list[Change]:
    """What changed in the open pipeline between two snapshots, for deals in the member's scope."""
    allowed = _user_ids(membership)

    def visible(deal: dict) -> bool:
        return allowed is None or deal.get("owner") in allowed

    old = {d["id"]: d for d in before.pipeline if visible(d)}
    new = {d["id"]: d for d in after.pipeline if visible(d)}
    out: list[Change] = []
    for pk, d in new.items():
        if pk not in old:
            out.append(Change("new", pk, d["name"], after=f"{d['amount']:,.0f}"))
            continue
        o = d_old = old[pk]
        if o["expected_close"] and d["expected_close"] and d["expected_close"] != o["expected_close"]:
            kind = "slipped" if d["expected_close"] > o["expected_close"] else "pulled in"
            was_in = dt.date.fromisoformat(o["expected_close"]) < quarter_end
            now_in = dt.date.fromisoformat(d["expected_close"]) < quarter_end
            if was_in and not now_in:
                kind = "moved out"
            elif now_in and not was_in:
                kind = "moved in"
            out.append(Change(kind, pk, d["name"], d_old["expected_close"], d["expected_close"]))
        if d["amount"] != o["amount"]:
            kind = "amount up" if d["amount"] > o["amount"] else "amount down"
            out.append(Change(kind, pk, d["name"], f"{o['amount']:,.0f}", f"{d['amount']:,.0f}"))
    gone = [pk for pk in old if pk not in new]
    stages = dict(
        scoped(Opportunity.objects.filter(pk__in=gone), membership, kind="opportunity").values_list(
            "pk", "stage"
        )
    )
    for pk in gone:
        stage = stages.get(pk, "")
        kind = "won" if stage == "closed_won" else "lost" if stage == "closed_lost" else "left the pipeline"
        out.append(Change(kind, pk, old[pk]["name"], f"{old[pk]['amount']:,.0f}"))
    return sorted(out, key=lambda c: (c.kind, c.name))


@dataclass(frozen=True)
class CallRow:
    call: ForecastCall
    forecast_p50: float | None
    probability_of_commit: float | None
    coverage: float | None  # pipeline ÷ commit


def call_list(*, membership: Membership, period: Period) -> QuerySet[ForecastCall]:
    return (
        scoped(ForecastCall.objects.all(), membership, kind=ForecastKind.CALL)
        .filter(period_start=period.start, period_end=period.end)
        .select_related("owner", "adjusted_by")
        .order_by("owner__email")
    )


def call_rows(*, calls: QuerySet[ForecastCall], snapshot: ForecastSnapshot | None) -> list[CallRow]:
    """Each call beside the Monte Carlo of the caller's deals (or team's, for a manager)."""
    by_owner = snapshot.baseline.get("by_owner", {}) if snapshot else {}
    by_team = snapshot.baseline.get("by_team", {}) if snapshot else {}
    rows = []
    for call in calls:
        sim = by_team.get(str(call.owner_id)) or by_owner.get(str(call.owner_id))
        commit = float(call.effective_commit)
        rows.append(
            CallRow(
                call,
                sim["p50"] if sim else None,
                probability_at_least(sim["percentiles"], commit) if sim else None,
                float(call.pipeline / call.effective_commit) if call.effective_commit else None,
            )
        )
    return rows
