"""Distribution strategies: who gets each kept lead (see the package docstring for semantics)."""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter

from distribution.engine.config import DistributionSection
from distribution.engine.types import (
    Assignment,
    Candidate,
    CatchUp,
    Explanation,
    LeadFacts,
    Plan,
    RepFacts,
    RepSummary,
    RunState,
    Strategy,
)

INF = math.inf


@dataclass
class _Run:
    """Mutable bookkeeping of one plan (private to this module)."""

    settings: DistributionSection
    seed: int
    filters: tuple[str, ...]
    eligible: list[RepFacts]
    rank: dict[int, int]
    ineligible: dict[str, tuple[int, ...]]
    room: dict[int, float]
    assigned: dict[int, int]
    bonus: dict[int, int]
    state: RunState
    out: dict[int, Assignment] = field(default_factory=dict)
    last_rep_id: int | None = None

    def give(
        self, lead: LeadFacts, rep_id: int, strategy: str, reason: str, runners_up: Sequence[Candidate]
    ) -> None:
        self.assigned[rep_id] += 1
        self.room[rep_id] -= 1
        self.out[lead.id] = Assignment(
            lead.id,
            rep_id,
            strategy,
            Explanation(
                strategy=strategy,
                reason=reason,
                filters_passed=self.filters,
                eligible=len(self.eligible),
                runners_up=tuple(runners_up),
                ineligible=self.ineligible,
                seed=self.seed,
            ),
        )

    def target(self, rep: RepFacts) -> int | None:
        if rep.target_leads is not None:
            return rep.target_leads
        level = self.settings.levels.get(rep.level)
        if level is not None:
            return level.target_leads
        return self.settings.default_target_leads


def _capacity(rep: RepFacts, settings: DistributionSection) -> int | None:
    return rep.capacity if rep.capacity is not None else settings.capacity.default_capacity


def _eligibility(
    reps: Sequence[RepFacts], settings: DistributionSection, today: date
) -> tuple[list[RepFacts], dict[str, tuple[int, ...]], list[RepFacts]]:
    """(eligible reps, reason → rep ids excluded, reps out of office today)."""
    eligible: list[RepFacts] = []
    out_of_office: list[RepFacts] = []
    reasons: dict[str, list[int]] = {}
    weekday = today.isoweekday()
    for rep in reps:
        cap = _capacity(rep, settings)
        if not rep.active:
            reason = "inactive"
        elif weekday not in rep.working_days:
            reason = "not a working day"
        elif any(o.covers(today) for o in rep.out_of_office):
            reason = "out of office"
            out_of_office.append(rep)
        elif cap is not None and rep.current_load >= cap:
            reason = "at capacity"
        else:
            eligible.append(rep)
            continue
        reasons.setdefault(reason, []).append(rep.id)
    return eligible, {k: tuple(v) for k, v in reasons.items()}, out_of_office


def _top(heap: list) -> list:
    """The two best entries left in a heap: the root and the smaller of its two children."""
    return sorted(heap[:3])[:2]


# --- Routing to existing owners -----------------------------------------------------------------


def _route_to_owners(leads: list[LeadFacts], run: _Run) -> list[LeadFacts]:
    routing = run.settings.routing
    if not (routing.account_owner or routing.duplicate_owner):
        return leads
    eligible_ids = {r.id for r in run.eligible}
    rest = []
    for lead in leads:
        owner, why = None, ""
        if routing.duplicate_owner and lead.duplicate_owner_id in eligible_ids:
            owner, why = lead.duplicate_owner_id, "owner of an earlier lead of the same person"
        elif routing.account_owner and lead.account_owner_id in eligible_ids:
            owner, why = lead.account_owner_id, "owner of the matching account"
        if owner is not None and run.room[owner] > 0:
            run.give(lead, owner, "routing", why, ())
        else:
            rest.append(lead)
    return rest


# --- Strategies ---------------------------------------------------------------------------------


def _level_based(leads: list[LeadFacts], run: _Run) -> list[LeadFacts]:
    levels = sorted(run.settings.levels.items(), key=lambda kv: (kv[1].priority, kv[0]))
    heaps: list[tuple[str, list[tuple[int, int, int]]]] = []
    no_level = []
    targets: dict[int, int] = {}
    for name, level in levels:
        heap = []
        for rep in run.eligible:
            if rep.level == name:
                targets[rep.id] = rep.target_leads if rep.target_leads is not None else level.target_leads
                heap.append((run.assigned[rep.id], run.rank[rep.id], rep.id))
        heapq.heapify(heap)
        heaps.append((name, heap))
    known = set(run.settings.levels)
    no_level = [r.id for r in run.eligible if r.level not in known]
    if no_level:
        run.ineligible = {**run.ineligible, "level_based: level not configured": tuple(no_level)}
    rest = []
    for lead in leads:
        placed = False
        for name, heap in heaps:
            while heap:
                given, rank, rep_id = heap[0]
                if given >= targets[rep_id] or run.room[rep_id] <= 0:
                    heapq.heappop(heap)
                    continue
                heapq.heappop(heap)
                others = [Candidate(r, g) for g, _, r in _top(heap)]
                reason = (
                    f"level {name} (priority {run.settings.levels[name].priority}) is first with room; "
                    f"fewest leads this run ({given} of target {targets[rep_id]})"
                )
                run.give(lead, rep_id, Strategy.LEVEL_BASED, reason, others)
                heapq.heappush(heap, (given + 1, rank, rep_id))
                placed = True
                break
            if placed:
                break
        if not placed:
            rest.append(lead)
    return rest


def _round_robin(leads: list[LeadFacts], run: _Run) -> list[LeadFacts]:
    order = sorted(r.id for r in run.eligible if run.room[r.id] > 0)
    last = run.last_rep_id if run.last_rep_id is not None else run.state.last_rep_id
    rest = []
    if not order:
        return list(leads)
    # Continue after the rep who got the last lead of the previous run (or this one).
    pos = next((i for i, rep_id in enumerate(order) if last is not None and rep_id > last), 0)
    for lead in leads:
        if not order:
            rest.append(lead)
            continue
        pos %= len(order)
        rep_id = order[pos]
        previous = run.last_rep_id if run.last_rep_id is not None else last
        reason = f"next in rotation after rep {previous}" if previous is not None else "first in rotation"
        nxt = order[(pos + 1) % len(order)]
        run.give(lead, rep_id, Strategy.ROUND_ROBIN, reason, [Candidate(nxt, 0.0)] if nxt != rep_id else [])
        run.last_rep_id = rep_id
        if run.room[rep_id] <= 0:
            order.pop(pos)
        else:
            pos += 1
    return rest


def _largest_remainder(total: int, weights: dict[int, float], rank: dict[int, int]) -> dict[int, int]:
    wsum = sum(weights.values())
    if total <= 0 or wsum <= 0:
        return dict.fromkeys(weights, 0)
    exact = {k: total * w / wsum for k, w in weights.items()}
    quota = {k: math.floor(v + 1e-9) for k, v in exact.items()}
    left = total - sum(quota.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - quota[k]), rank[k]))[:left]:
        quota[k] += 1
    return quota


def _proportional(leads: list[LeadFacts], run: _Run) -> list[LeadFacts]:
    gaps: dict[int, float] = {}
    no_target = []
    for rep in run.eligible:
        target = run.target(rep)
        if target is None:
            no_target.append(rep.id)
            continue
        gap = min(target - rep.current_load - run.assigned[rep.id], run.room[rep.id])
        if gap > 0:
            gaps[rep.id] = gap
    if no_target:
        run.ineligible = {**run.ineligible, "proportional: no target": tuple(no_target)}
    n = min(len(leads), int(sum(gaps.values())))
    quota = _largest_remainder(n, gaps, run.rank)
    total_gap = int(sum(gaps.values()))
    heap = [(0.0, run.rank[r], r) for r, q in quota.items() if q > 0]
    heapq.heapify(heap)
    given = dict.fromkeys(quota, 0)
    for lead in leads[:n]:
        _, rank, rep_id = heapq.heappop(heap)
        others = [Candidate(r, float(gaps[r])) for _, _, r in _top(heap)]
        reason = f"workload gap {int(gaps[rep_id])} of {total_gap}: share {quota[rep_id]} of {n} leads"
        run.give(lead, rep_id, Strategy.PROPORTIONAL, reason, others)
        given[rep_id] += 1
        if given[rep_id] < quota[rep_id]:
            heapq.heappush(heap, (given[rep_id] / quota[rep_id], rank, rep_id))
    return list(leads[n:])


def _capacity_based(leads: list[LeadFacts], run: _Run) -> list[LeadFacts]:
    heap = [
        (run.assigned[r.id] - run.bonus[r.id], r.current_load + run.assigned[r.id], run.rank[r.id], r.id)
        for r in run.eligible
        if run.room[r.id] > 0
    ]
    heapq.heapify(heap)
    rest = []
    for lead in leads:
        if not heap:
            rest.append(lead)
            continue
        key, load, rank, rep_id = heapq.heappop(heap)
        others = [Candidate(r, float(k)) for k, _, _, r in _top(heap)]
        cap = "no cap" if run.room[rep_id] == INF else f"{int(run.room[rep_id])} left under capacity"
        owed = f", {run.bonus[rep_id]} catch-up" if run.bonus[rep_id] else ""
        reason = f"fewest leads this run net of catch-up ({key}{owed}); {cap}"
        run.give(lead, rep_id, Strategy.CAPACITY_BASED, reason, others)
        if run.room[rep_id] > 0:
            heapq.heappush(heap, (key + 1, load + 1, rank, rep_id))
    return rest


def _group_keys(fields: Sequence[str]) -> Callable[[LeadFacts], tuple[str, ...]]:
    """A lead's similarity group (`("campaign=Spring", "web_source=Google")`): its values read at
    once, each distinct key built once per run."""
    values_of = attrgetter(*fields) if fields else (lambda lead: ())
    single = len(fields) == 1
    keys: dict = {}

    def key_of(lead: LeadFacts) -> tuple[str, ...]:
        values = values_of(lead)
        key = keys.get(values)
        if key is None:
            key = keys[values] = tuple(
                f"{f}={v}" for f, v in zip(fields, (values,) if single else values, strict=True)
            )
        return key

    return key_of


def _weights(key: tuple[str, ...], reps: list[RepFacts], k: float) -> dict[int, float]:
    """Conversion on similar leads, shrunk toward the team's rate with `k` pseudo-leads."""
    counts = {}
    for rep in reps:
        c = n = 0
        for part in key:
            pc, pn = rep.conversions.get(part, (0, 0))
            c, n = c + pc, n + pn
        counts[rep.id] = (c, n)
    team_c = sum(c for c, _ in counts.values())
    team_n = sum(n for _, n in counts.values())
    if team_n == 0:
        team_c = sum(r.conversions.get("*", (0, 0))[0] for r in reps)
        team_n = sum(r.conversions.get("*", (0, 0))[1] for r in reps)
    team = team_c / team_n if team_n else 0.5
    out = {}
    for rep_id, (c, n) in counts.items():
        out[rep_id] = (c + k * team) / (n + k) if (n + k) > 0 else team
    if sum(out.values()) <= 0:
        return dict.fromkeys(out, 1.0)
    return out


def _performance_weighted(leads: list[LeadFacts], run: _Run) -> list[LeadFacts]:
    perf = run.settings.performance
    reps = [r for r in run.eligible if run.room[r.id] > 0]
    if not reps or not leads:
        return list(leads)
    rng = random.Random(run.seed)
    n = len(leads)
    explore_idx = set(rng.sample(range(n), round(perf.exploration * n)))
    start = len(run.out)
    mine: dict[int, list[int]] = {r.id: [] for r in reps}  # rep → lead ids it got here, in order
    rest: list[LeadFacts] = []
    by_rank = sorted(reps, key=lambda r: run.rank[r.id])
    turn = 0
    groups: dict[tuple[str, ...], list[LeadFacts]] = {}
    group_key = _group_keys(perf.similarity)
    for i, lead in enumerate(leads):
        if i in explore_idx:
            for _ in range(len(by_rank)):
                rep = by_rank[turn % len(by_rank)]
                turn += 1
                if run.room[rep.id] > 0:
                    run.give(lead, rep.id, Strategy.PERFORMANCE_WEIGHTED, "exploration (even turn)", ())
                    mine[rep.id].append(lead.id)
                    break
            else:
                rest.append(lead)
        else:
            groups.setdefault(group_key(lead), []).append(lead)
    weights_of: dict[tuple[str, ...], dict[int, float]] = {}
    for key, group in groups.items():
        weights = _weights(key, reps, perf.prior_strength)
        weights_of[key] = weights
        given = dict.fromkeys(weights, 0)
        similar = ", ".join(key)
        reasons: dict[int, str] = {}  # one text per rep and group, not per lead
        # Webster / Sainte-Laguë: the next lead goes to the lowest (given + 1/2) / weight.
        heap = [(0.5 / w, run.rank[r], r) for r, w in weights.items() if w > 0 and run.room[r] > 0]
        heapq.heapify(heap)
        for lead in group:
            if not heap:
                rest.append(lead)
                continue
            _, rank, rep_id = heapq.heappop(heap)
            others = [Candidate(r, weights[r]) for _, _, r in _top(heap)]
            reason = reasons.get(rep_id)
            if reason is None:
                reason = reasons[rep_id] = (
                    f"conversion on similar leads {weights[rep_id]:.3f} ({similar}), shrunk toward the team"
                )
            run.give(lead, rep_id, Strategy.PERFORMANCE_WEIGHTED, reason, others)
            mine[rep_id].append(lead.id)
            given[rep_id] += 1
            if run.room[rep_id] > 0:
                heapq.heappush(heap, ((given[rep_id] + 0.5) / weights[rep_id], rank, rep_id))
    _fairness_floor(run, mine, n, perf.fairness_floor, start)
    return rest


def _fairness_floor(run: _Run, mine: dict[int, list[int]], n: int, floor_share: float, start: int) -> None:
    """Move leads from the rep with most to each rep under the floor (lowest-priority leads first)."""
    if floor_share <= 0 or not mine:
        return
    floor = min(math.floor(floor_share * n), n // len(mine))
    # Donors in a heap by most leads (then rank); entries go stale as counts change and are
    # refreshed when they surface, so each move costs O(log reps), not a scan of every rep.
    donors = [(-len(leads), run.rank[r], r) for r, leads in mine.items()]
    heapq.heapify(donors)
    for rep_id in sorted(mine, key=lambda r: run.rank[r]):
        while len(mine[rep_id]) < floor and run.room[rep_id] > 0:
            while -donors[0][0] != len(mine[donors[0][2]]):
                _, rank, stale = donors[0]
                heapq.heapreplace(donors, (-len(mine[stale]), rank, stale))
            _, donor_rank, donor = donors[0]
            if len(mine[donor]) <= floor:
                break
            lead_id = mine[donor].pop()
            heapq.heapreplace(donors, (-len(mine[donor]), donor_rank, donor))
            old = run.out[lead_id]
            run.assigned[donor] -= 1
            run.room[donor] += 1
            run.assigned[rep_id] += 1
            run.room[rep_id] -= 1
            mine[rep_id].append(lead_id)
            exp = old.explanation
            reason = f"fairness floor: {floor} leads each (moved from rep {donor})"
            run.out[lead_id] = Assignment(
                lead_id,
                rep_id,
                old.strategy,
                Explanation(
                    exp.strategy,
                    reason,
                    exp.filters_passed,
                    exp.eligible,
                    (Candidate(donor, 0.0),),
                    exp.ineligible,
                    exp.seed,
                ),
            )


STRATEGIES = {
    Strategy.LEVEL_BASED: _level_based,
    Strategy.ROUND_ROBIN: _round_robin,
    Strategy.PROPORTIONAL: _proportional,
    Strategy.CAPACITY_BASED: _capacity_based,
    Strategy.PERFORMANCE_WEIGHTED: _performance_weighted,
}


def _catch_up_bonus(rep: RepFacts, settings: DistributionSection) -> int:
    policy = settings.capacity.catch_up
    if policy is CatchUp.FULL:
        return rep.catch_up_owed
    if policy is CatchUp.GRADUAL:
        return min(rep.catch_up_owed, math.ceil(rep.catch_up_owed * settings.capacity.catch_up_rate))
    return 0


def plan(
    leads: Sequence[LeadFacts],
    reps: Sequence[RepFacts],
    settings: DistributionSection,
    *,
    today: date,
    state: RunState | None = None,
    filters_passed: tuple[str, ...] = (),
    chain: Sequence[Strategy] | None = None,
) -> Plan:
    """Assign `leads` (already filtered, in priority order) to `reps` (see the package docstring)."""
    state = state or RunState()
    chain = tuple(chain or settings.chain)
    seed = settings.seed
    eligible, ineligible, away = _eligibility(reps, settings, today)
    order = sorted(r.id for r in eligible)
    random.Random(seed).shuffle(order)
    rank = {rep_id: i for i, rep_id in enumerate(order)}
    room: dict[int, float] = {}
    for rep in reps:
        cap = _capacity(rep, settings)
        room[rep.id] = INF if cap is None else cap - rep.current_load
    run = _Run(
        settings=settings,
        seed=seed,
        filters=filters_passed,
        eligible=eligible,
        rank=rank,
        ineligible=ineligible,
        room=room,
        assigned={r.id: 0 for r in reps},
        bonus={r.id: _catch_up_bonus(r, settings) for r in eligible},
        state=state,
    )
    rest = _route_to_owners(list(leads), run)
    for strategy in chain:
        if not rest:
            break
        rest = STRATEGIES[strategy](rest, run)

    # Catch-up debts: reps away today are owed an even share of this run; reps here pay theirs off.
    owed = dict(state.catch_up_owed)
    share = len(run.out) // len(eligible) if eligible else 0
    for rep in away:
        owed[rep.id] = rep.catch_up_owed + share
    for rep in eligible:
        if settings.capacity.catch_up is CatchUp.NONE:
            owed.pop(rep.id, None)
        else:
            # Only capacity_based grants the allowance, and it grants it before even shares.
            paid = min(run.bonus[rep.id], run.assigned[rep.id]) if Strategy.CAPACITY_BASED in chain else 0
            left = rep.catch_up_owed - paid
            if left > 0:
                owed[rep.id] = left
            else:
                owed.pop(rep.id, None)
    assignments = tuple(run.out[lead.id] for lead in leads if lead.id in run.out)
    summaries = tuple(
        RepSummary(r.id, r.name, r.current_load, run.assigned[r.id], run.target(r), _capacity(r, settings))
        for r in reps
    )
    return Plan(
        assignments=assignments,
        excluded=(),
        unassigned=tuple(lead.id for lead in rest),
        reps=summaries,
        ineligible_reps=run.ineligible,
        state=RunState(last_rep_id=run.last_rep_id or state.last_rep_id, catch_up_owed=owed),
        seed=seed,
        strategies=chain,
    )
