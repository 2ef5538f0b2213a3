"""The forecast roll-up: calls up the team hierarchy, beside won revenue, pipeline and quota.

The hierarchy is the core's `Membership.manager` chain, limited to the members whose calls the
viewer may see (`ForecastKind.CALL`: a rep themselves, a manager their team to any depth, admin
and finance the organization). For each member of the period:

- **call**: their own call (commit after a manager's adjustment, best case, pipeline). A rep's
  call covers their deals; a manager's call is their call for their whole team.
- **roll-up** (managers): Σ over their direct reports of what each report submits upwards: the
  report's call if there is one, else (a manager who has not called) their own roll-up, else
  nothing. Everyone below without a call is listed as missing.
- **won**: closed-won amount of the member's own deals closed in the period; **open pipeline**:
  amount of their open deals expected to close before the period ends (overdue included: an
  open deal can only still close now); **quota**: from `revops.providers.quotas` (commissions'
  business objectives), or labelled "no quota". Team figures sum the member and everyone below.
- **attainment** = won ÷ quota; **coverage** = open pipeline ÷ (quota − won), the remaining
  quota (none once the quota is reached).

Queries: memberships, calls, won and pipeline sums, quotas: a fixed number whatever the team.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from forecasting.models import ForecastCall, ForecastSnapshot
from forecasting.permissions import ForecastKind
from forecasting.selectors.periods import Period
from revops import providers
from revops.models import Membership, Opportunity, Role
from revops.models.crm import OPEN_STAGES, Stage
from revops.permissions import Scope, scope_for, scope_user_ids, scoped

ZERO = Decimal("0.00")
CALLING_ROLES = (Role.REP, Role.MANAGER)


@dataclass(frozen=True)
class Figures:
    """Won, open pipeline and quota of a member or a group, with attainment and coverage."""

    won: Decimal
    pipeline: Decimal
    quota: Decimal | None  # None: no quota known for anyone in the group

    @property
    def remaining(self) -> Decimal | None:
        return None if self.quota is None else self.quota - self.won

    @property
    def attainment(self) -> float | None:
        return float(self.won / self.quota) if self.quota else None

    @property
    def coverage(self) -> float | None:
        remaining = self.remaining
        return float(self.pipeline / remaining) if remaining is not None and remaining > 0 else None

    @property
    def quota_reached(self) -> bool:
        return self.quota is not None and self.won >= self.quota


@dataclass(frozen=True)
class CallFigures:
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal


@dataclass(eq=False)  # identity: a node is one member of one roll-up
class RollupNode:
    membership: Membership
    depth: int
    call: ForecastCall | None
    own: Figures
    team: Figures = field(default_factory=lambda: Figures(ZERO, ZERO, None))
    reports: list[RollupNode] = field(default_factory=list)
    rollup: CallFigures | None = None  # managers with reports in scope
    missing: list[str] = field(default_factory=list)  # reports with no call (at any depth)
    simulated: dict | None = None  # the snapshot's quarter P10/P50/P90 of the member's (team's) deals

    @property
    def name(self) -> str:
        user = self.membership.user
        return user.get_full_name() or user.email

    @property
    def submitted(self) -> CallFigures | None:
        """What this member sends up: their call, else (a manager) their roll-up."""
        if self.call is not None:
            return CallFigures(self.call.effective_commit, self.call.best_case, self.call.pipeline)
        return self.rollup


@dataclass(frozen=True)
class Rollup:
    period: Period
    scope: Scope
    roots: list[RollupNode]
    rows: list[RollupNode]  # depth-first, for the table
    organization: Figures | None  # organization scope only
    organization_call: CallFigures | None  # Σ of the roots' submitted calls (organization scope)
    quota_source: str

    def focus(self, membership_id: int | None = None) -> Focus:
        """The rows the page shows: one member (default: the top of the viewer's chains) and
        their direct reports, the figures still those of the whole tree below each."""
        by_pk = {r.membership.pk: r for r in self.rows}
        node = by_pk.get(membership_id) if membership_id is not None else None
        if node is None:
            return Focus(None, None, [(r, 0) for root in self.roots for r in (root, *root.reports)])
        parent = by_pk.get(node.membership.manager_id) if node not in self.roots else None
        return Focus(node, parent, [(node, 0), *((r, 1) for r in node.reports)])


@dataclass(frozen=True)
class Focus:
    node: RollupNode | None  # None: the top of the viewer's chains
    parent: RollupNode | None  # the level above, to go back up (None: the top)
    rows: list[tuple[RollupNode, int]]  # (node, indent)


def forecast_rollup(
    *, membership: Membership, period: Period, snapshot: ForecastSnapshot | None = None
) -> Rollup:
    """The viewer's part of the hierarchy for the period, with calls, roll-ups and quotas; with
    a snapshot of the same quarter, each row also gets its Monte Carlo P10/P50/P90 (a manager's
    team, a rep's own deals)."""
    org = membership.organization
    scope = scope_for(membership, ForecastKind.CALL)
    scope_ids = scope_user_ids(membership, ForecastKind.CALL)
    members_qs = Membership.objects.filter(organization=org).select_related("user")
    if scope_ids is not None:
        members_qs = members_qs.filter(user_id__in=scope_ids)
    in_scope = list(members_qs.order_by("user__email"))
    # The team as a list of ids, once: PostgreSQL evaluates the recursive team subquery badly
    # inside the grouped sums below (measured 1.2 s against 0.1 s for a 40-rep team among
    # 100,000 deals, bench/forecast_rollup.py).
    ids = None if scope_ids is None else [m.user_id for m in in_scope]
    calls = {
        c.owner_id: c
        for c in scoped(ForecastCall.objects.all(), membership, kind=ForecastKind.CALL).filter(
            period_start=period.start, period_end=period.end
        )
    }
    members = [m for m in in_scope if m.is_active and (m.role in CALLING_ROLES or m.user_id in calls)]
    user_ids = [m.user_id for m in members]
    won = _sums(
        org, ids, stage__in=[Stage.CLOSED_WON], close_date__gte=period.start, close_date__lt=period.end
    )
    pipe = _sums(org, ids, stage__in=list(OPEN_STAGES), expected_close_date__lt=period.end)
    quotas = providers.quotas(
        org, start=period.start, end=period.end, user_ids=None if ids is None else user_ids
    )
    nodes = {
        m.pk: RollupNode(
            m,
            0,
            calls.get(m.user_id),
            Figures(won.get(m.user_id, ZERO), pipe.get(m.user_id, ZERO), quotas.by_user.get(m.user_id)),
        )
        for m in members
    }
    children: dict[int, list[RollupNode]] = defaultdict(list)
    roots = []
    for node in nodes.values():
        parent = node.membership.manager_id
        if parent in nodes and parent != node.membership.pk:
            children[parent].append(node)
        else:
            roots.append(node)
    rows: list[RollupNode] = []
    for root in roots:
        _fill(root, children, rows, depth=0, seen=set())
    if snapshot is not None and snapshot.baseline.get("quarter") == period.label:
        by_team, by_owner = snapshot.baseline.get("by_team", {}), snapshot.baseline.get("by_owner", {})
        for node in rows:
            key = str(node.membership.user_id)
            node.simulated = (by_team.get(key) if node.reports else None) or by_owner.get(key)
    organization = organization_call = None
    if scope is Scope.ORGANIZATION:
        # Organization scope asked the provider for every rep (user_ids None) above.
        organization = Figures(
            sum(won.values(), ZERO),
            sum(pipe.values(), ZERO),
            sum(quotas.by_user.values(), ZERO) if quotas.by_user else None,
        )
        organization_call = _sum_calls([r.submitted for r in roots])
    return Rollup(period, scope, roots, rows, organization, organization_call, quotas.source)


def _sums(org, ids, **filters) -> dict[int, Decimal]:
    rows = Opportunity.objects.filter(organization=org, owner__isnull=False, **filters)
    if ids is not None:
        rows = rows.filter(owner_id__in=ids)
    return dict(rows.order_by().values("owner_id").annotate(t=Sum("amount")).values_list("owner_id", "t"))


def _sum_calls(calls: list[CallFigures | None]) -> CallFigures | None:
    present = [c for c in calls if c is not None]
    if not present:
        return None
    return CallFigures(
        sum((c.commit for c in present), ZERO),
        sum((c.best_case for c in present), ZERO),
        sum((c.pipeline for c in present), ZERO),
    )


def _fill(node: RollupNode, children, rows: list[RollupNode], *, depth: int, seen: set[int]) -> None:
    """Depth-first: rows in order, team figures, roll-ups and missing calls (a cycle in the
    manager chain is cut where it closes)."""
    seen.add(node.membership.pk)
    node.depth = depth
    rows.append(node)
    node.reports = [c for c in children.get(node.membership.pk, []) if c.membership.pk not in seen]
    won, pipe = node.own.won, node.own.pipeline
    quotas = [node.own.quota] if node.own.quota is not None else []
    for report in node.reports:
        _fill(report, children, rows, depth=depth + 1, seen=seen)
        won += report.team.won
        pipe += report.team.pipeline
        if report.team.quota is not None:
            quotas.append(report.team.quota)
        if report.call is None:
            node.missing.append(report.name)
            node.missing.extend(report.missing)
    node.team = Figures(won, pipe, sum(quotas, ZERO) if quotas else None)
    if node.reports:
        node.rollup = _sum_calls([r.submitted for r in node.reports]) or CallFigures(ZERO, ZERO, ZERO)
