"""Rule matching, per-link rule outcomes (cached), and rule-set diagnostics.

Order: rules are evaluated by ascending `priority`, ties broken by rule id. Within that order:

- access: the first priority level holding a matching allow/deny rule decides; at that level a
  deny beats an allow. No matching allow/deny rule means the link is allowed;
- split: the first matching set-split rule gives the split;
- caps: every matching cap rule applies (in order), so the lowest cap wins.

`rule_set_diagnostics` reports conflicting and unreachable rules; `reachable_priority` finds
where a new rule must go for no other rule to decide in its place.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from attribution.engine.types import (
    ActionKind,
    Conditions,
    ConsideredRule,
    Diagnostic,
    RuleSpec,
    Scope,
)

ACCESS_ACTIONS = frozenset({ActionKind.ALLOW, ActionKind.DENY})


class MatchFacts(NamedTuple):
    """What a rule can look at for one link. `stage`/`product_line` are None on account links."""

    scope: Scope
    role: str
    partner_types: frozenset[str]
    partner_tier: str
    stage: str | None
    amount: Decimal
    product_line: Hashable | None
    segment: str
    region: str


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """What the rules decided for one set of facts."""

    deny_rule: RuleSpec | None
    split_rule: RuleSpec | None
    cap_rules: tuple[RuleSpec, ...]
    considered: tuple[ConsideredRule, ...]


def rule_sort_key(rule: RuleSpec) -> tuple[int, tuple[int, int | str]]:
    """Evaluation order: priority first, then rule id (numbers before text)."""
    rid = rule.id
    id_key: tuple[int, int | str] = (0, rid) if isinstance(rid, int) else (1, str(rid))
    return (rule.priority, id_key)


@lru_cache(maxsize=4096)
def _names(values: frozenset) -> str:
    return ", ".join(sorted(str(v) for v in values))


def _amount_failure(c: Conditions, amount: Decimal) -> str | None:
    if c.min_amount is not None:
        below = amount < c.min_amount if c.min_inclusive else amount <= c.min_amount
        if below:
            word = "at least" if c.min_inclusive else "over"
            return f"deal value is not {word} {c.min_amount:,.2f}"
    if c.max_amount is not None:
        above = amount > c.max_amount if c.max_inclusive else amount >= c.max_amount
        if above:
            word = "at most" if c.max_inclusive else "under"
            return f"deal value is not {word} {c.max_amount:,.2f}"
    return None


def condition_failure(c: Conditions, f: MatchFacts) -> str | None:
    """Return why `c` does not match `f`, or None when it matches."""
    if c.roles and f.role not in c.roles:
        return f"applies to {_names(c.roles)} partners, not {f.role}"
    if c.partner_types and not (c.partner_types & f.partner_types):
        return (
            f"partner types ({_names(f.partner_types) or 'none'}) include none of {_names(c.partner_types)}"
        )
    if c.partner_tiers and f.partner_tier not in c.partner_tiers:
        return f"partner tier {f.partner_tier or 'none'} is not {_names(c.partner_tiers)}"
    if c.stages:
        if f.stage is None:
            return "needs a deal stage; account links have none"
        if f.stage not in c.stages:
            return f"deal stage {f.stage} is not {_names(c.stages)}"
    failure = _amount_failure(c, f.amount)
    if failure:
        return failure
    if c.product_lines:
        if f.product_line is None:
            return "needs a product line; this link has none"
        if f.product_line not in c.product_lines:
            return f"product line {f.product_line} is not {_names(c.product_lines)}"
    if c.segments and f.segment not in c.segments:
        return f"segment {f.segment or 'none'} is not {_names(c.segments)}"
    if c.regions and f.region not in c.regions:
        return f"region {f.region or 'none'} is not {_names(c.regions)}"
    return None


def evaluate_rules(ordered: Sequence[RuleSpec], facts: MatchFacts) -> RuleOutcome:
    """Apply `ordered` (already sorted, same scope) to one set of facts."""
    considered: list[ConsideredRule] = []
    access_priority: int | None = None
    deny_rule: RuleSpec | None = None
    allow_rule: RuleSpec | None = None
    split_rule: RuleSpec | None = None
    caps: list[RuleSpec] = []
    for rule in ordered:
        failure = condition_failure(rule.conditions, facts)
        if failure is not None:
            considered.append(ConsideredRule(rule.id, rule.version, rule.name, False, failure))
            continue
        reason = "all conditions matched"
        if rule.action in ACCESS_ACTIONS:
            if access_priority is None or access_priority == rule.priority:
                access_priority = rule.priority
                if rule.action is ActionKind.DENY and deny_rule is None:
                    deny_rule = rule
                elif rule.action is ActionKind.ALLOW and allow_rule is None:
                    allow_rule = rule
            else:
                reason = f"matched, but access was already decided at priority {access_priority}"
        elif rule.action is ActionKind.SET_SPLIT:
            if split_rule is None:
                split_rule = rule
            else:
                reason = f"matched, but rule '{split_rule.name}' already set the split"
        else:
            caps.append(rule)
        considered.append(ConsideredRule(rule.id, rule.version, rule.name, True, reason))
    return RuleOutcome(deny_rule, split_rule, tuple(caps), tuple(considered))


class RuleIndex:
    """Rules pre-sorted per scope, with outcomes cached per distinct set of relevant facts.

    The cache key keeps only the facts some rule of the scope looks at, and replaces the deal
    amount by its position among the rules' thresholds, so a large book has few distinct keys.
    Failure reasons never quote a value that the key drops.
    """

    def __init__(self, rules: Iterable[RuleSpec]) -> None:
        ordered = sorted(rules, key=rule_sort_key)
        self.by_scope: dict[Scope, tuple[RuleSpec, ...]] = {
            scope: tuple(r for r in ordered if r.scope == scope) for scope in Scope
        }
        thresholds: set[Decimal] = set()
        for rule in ordered:
            for bound in (rule.conditions.min_amount, rule.conditions.max_amount):
                if bound is not None:
                    thresholds.add(bound)
        self._thresholds = sorted(thresholds)
        self._threshold_set = frozenset(thresholds)
        self._used: dict[Scope, tuple[bool, ...]] = {
            scope: tuple(
                any(getattr(r.conditions, f) for r in scoped)
                for f in ("partner_types", "partner_tiers", "stages", "product_lines", "segments", "regions")
            )
            for scope, scoped in self.by_scope.items()
        }
        self._cache: dict[tuple, RuleOutcome] = {}

    def lookup(
        self,
        scope: Scope,
        role: str,
        partner_types: frozenset[str],
        partner_tier: str,
        stage: str | None,
        amount: Decimal,
        product_line: Hashable | None,
        segment: str,
        region: str,
    ) -> RuleOutcome:
        """The rule outcome for these facts (computed once per distinct relevant facts)."""
        types, tiers, stages, lines, segments, regions = self._used[scope]
        key = (
            scope,
            role,
            partner_types if types else None,
            partner_tier if tiers else None,
            stage if stages else None,
            bisect_left(self._thresholds, amount),
            amount in self._threshold_set,
            product_line if lines else None,
            segment if segments else None,
            region if regions else None,
        )
        found = self._cache.get(key)
        if found is None:
            facts = MatchFacts(
                scope, role, partner_types, partner_tier, stage, amount, product_line, segment, region
            )
            found = evaluate_rules(self.by_scope[scope], facts)
            self._cache[key] = found
        return found


def _sets_overlap(a: frozenset, b: frozenset) -> bool:
    return not a or not b or bool(a & b)


def _set_covers(wide: frozenset, narrow: frozenset) -> bool:
    return not wide or (bool(narrow) and narrow <= wide)


def _low(c: Conditions) -> tuple[Decimal, bool]:
    return (c.min_amount, c.min_inclusive) if c.min_amount is not None else (Decimal("-Infinity"), True)


def _high(c: Conditions) -> tuple[Decimal, bool]:
    return (c.max_amount, c.max_inclusive) if c.max_amount is not None else (Decimal("Infinity"), True)


def _ranges_overlap(a: Conditions, b: Conditions) -> bool:
    (alo, alo_in), (ahi, ahi_in) = _low(a), _high(a)
    (blo, blo_in), (bhi, bhi_in) = _low(b), _high(b)
    lo, lo_in = max((alo, alo_in), (blo, blo_in), key=lambda x: (x[0], not x[1]))
    hi, hi_in = min((ahi, ahi_in), (bhi, bhi_in), key=lambda x: (x[0], x[1]))
    return lo < hi or (lo == hi and lo_in and hi_in)


def _range_covers(wide: Conditions, narrow: Conditions) -> bool:
    (wlo, wlo_in), (whi, whi_in) = _low(wide), _high(wide)
    (nlo, nlo_in), (nhi, nhi_in) = _low(narrow), _high(narrow)
    low_ok = wlo < nlo or (wlo == nlo and (wlo_in or not nlo_in))
    high_ok = whi > nhi or (whi == nhi and (whi_in or not nhi_in))
    return low_ok and high_ok


_SET_FIELDS = ("roles", "partner_types", "partner_tiers", "stages", "product_lines", "segments", "regions")


def conditions_overlap(a: Conditions, b: Conditions) -> bool:
    """True when some link could match both `a` and `b`."""
    sets_ok = all(_sets_overlap(getattr(a, f), getattr(b, f)) for f in _SET_FIELDS)
    return sets_ok and _ranges_overlap(a, b)


def conditions_cover(wide: Conditions, narrow: Conditions) -> bool:
    """True when every link matching `narrow` also matches `wide`."""
    sets_ok = all(_set_covers(getattr(wide, f), getattr(narrow, f)) for f in _SET_FIELDS)
    return sets_ok and _range_covers(wide, narrow)


def _conflicting_actions(a: RuleSpec, b: RuleSpec) -> bool:
    if {a.action, b.action} == {ActionKind.ALLOW, ActionKind.DENY}:
        return True
    return a.action is ActionKind.SET_SPLIT and b.action is ActionKind.SET_SPLIT and a.percent != b.percent


def _shadows(earlier: RuleSpec, later: RuleSpec) -> bool:
    if later.action is ActionKind.SET_SPLIT:
        return earlier.action is ActionKind.SET_SPLIT
    if later.action in ACCESS_ACTIONS:
        return earlier.action in ACCESS_ACTIONS and earlier.priority < later.priority
    return False


def rule_set_diagnostics(rules: Iterable[RuleSpec]) -> list[Diagnostic]:
    """Report conflicting and unreachable rules (call when a rule is saved).

    - conflict: two rules of one scope at equal priority whose conditions overlap and whose
      actions disagree (allow vs deny, or set-split with different percents);
    - unreachable: a set-split rule after another set-split rule whose conditions cover it, or an
      allow/deny rule after (strictly lower priority number) an allow/deny rule covering it.
      Cap rules all apply, so they are never unreachable.
    """
    diagnostics: list[Diagnostic] = []
    index = RuleIndex(rules)
    for scoped in index.by_scope.values():
        unreachable: set[int] = set()
        for j, later in enumerate(scoped):
            for earlier in scoped[:j]:
                if (
                    earlier.priority == later.priority
                    and _conflicting_actions(earlier, later)
                    and conditions_overlap(earlier.conditions, later.conditions)
                ):
                    diagnostics.append(
                        Diagnostic(
                            "conflict",
                            (earlier.id, later.id),
                            f"Rules '{earlier.name}' and '{later.name}' have the same priority "
                            f"({later.priority}), overlapping conditions and different actions.",
                        )
                    )
                if (
                    j not in unreachable
                    and _shadows(earlier, later)
                    and conditions_cover(earlier.conditions, later.conditions)
                ):
                    unreachable.add(j)
                    diagnostics.append(
                        Diagnostic(
                            "unreachable",
                            (later.id, earlier.id),
                            f"Rule '{later.name}' can never decide: rule '{earlier.name}' comes "
                            "first and matches everything it matches.",
                        )
                    )
    return diagnostics


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a new rule can decide: its priority, and the rule that would decide in its place
    at the priority it asked for (None when nothing did)."""

    priority: int
    ahead_of: RuleSpec | None


def _blocker(others: list[RuleSpec], candidate: RuleSpec) -> RuleSpec | None:
    """The rule that keeps `candidate` from deciding: one that comes first and matches all it
    matches (it is unreachable), or one at its priority that disagrees with it (a conflict)."""
    by_id = {rule.id: rule for rule in others}
    for diagnostic in rule_set_diagnostics([*others, candidate]):
        later, earlier = diagnostic.rule_ids[0], diagnostic.rule_ids[-1]
        if diagnostic.kind == "unreachable" and later == candidate.id:
            return by_id[earlier]
        if diagnostic.kind == "conflict" and candidate.id in diagnostic.rule_ids:
            return by_id[earlier if later == candidate.id else later]
    return None


def reachable_priority(rules: Iterable[RuleSpec], candidate: RuleSpec) -> Placement | None:
    """The highest priority, at most the candidate's own, at which `candidate` joins `rules`
    and can decide (see `_blocker`); None when no priority down to 0 does.

    A rule keeps its priority when nothing stands in its way, so it still runs after the more
    specific rules; otherwise it moves just ahead of the rules that would decide in its place.
    Ties run in rule-id order and a new rule's id comes last, so a tie never puts it first.
    """
    others = [rule for rule in rules if rule.id != candidate.id and rule.scope == candidate.scope]
    blocker = _blocker(others, candidate)
    if blocker is None:
        return Placement(candidate.priority, None)
    below = {p for rule in others for p in (rule.priority, rule.priority - 1) if 0 <= p < candidate.priority}
    for priority in sorted(below | {0}, reverse=True):
        if _blocker(others, replace(candidate, priority=priority)) is None:
            return Placement(priority, blocker)
    return None
