"""Rule pages reads: the rule list, one rule, builder choices, where a typed rule goes, and the
dry-run preview."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404

from attribution.credits import ShareInput, split_amounts
from attribution.engine import RuleSpec, Scope, SplitResult, compute_splits, reachable_priority
from attribution.models import AttributionRule
from attribution.rule_schema import RuleDefinition
from attribution.selectors.rule_sets import active_rule_specs
from attribution.selectors.splits import engine_settings, load_facts
from revops.models import Account, Membership, Opportunity, Organization, ProductLine

ZERO = Decimal("0.00")
PREVIEW_ID = "new"  # engine id of a rule that is not saved yet


def rule_list(*, membership: Membership) -> list[AttributionRule]:
    return list(
        AttributionRule.objects.filter(organization_id=membership.organization_id).select_related(
            "current_version"
        )
    )


def rule_get(*, membership: Membership, pk: int) -> AttributionRule:
    rule = (
        AttributionRule.objects.filter(organization_id=membership.organization_id, pk=pk)
        .select_related("current_version")
        .first()
    )
    if rule is None:
        raise Http404
    return rule


def product_line_codes(*, membership: Membership) -> list[tuple[str, str]]:
    """(code, name) of the organization's product lines: rules match product lines by code."""
    return list(
        ProductLine.objects.filter(organization_id=membership.organization_id).values_list("code", "name")
    )


@dataclass(frozen=True)
class RulePlacement:
    """The priority a rule typed without one gets, and the rule it was put ahead of (None when
    no rule stood in its way). `reachable` is False when no priority lets it decide."""

    priority: int
    ahead_of: str | None
    reachable: bool = True


def rule_placement(*, organization: Organization, rule: RuleDefinition) -> RulePlacement:
    """Where a new rule can decide among the organization's active rules (lower priority runs
    first): its own priority when no rule decides in its place, else just ahead of those."""
    specs, _ = active_rule_specs(organization=organization)
    placement = reachable_priority(specs, rule.to_spec(rule_id=PREVIEW_ID, version=0))
    if placement is None:
        return RulePlacement(rule.priority, None, reachable=False)
    ahead_of = placement.ahead_of.name if placement.ahead_of is not None else None
    return RulePlacement(placement.priority, ahead_of)


@dataclass(frozen=True)
class LinkChange:
    """One partner link whose credit the rule would change."""

    scope: str
    target_id: int
    target_name: str
    partner_name: str
    role: str
    before_percent: Decimal
    after_percent: Decimal
    before_amount: Decimal
    after_amount: Decimal

    @property
    def change(self) -> Decimal:
        return self.after_amount - self.before_amount


@dataclass
class RulePreview:
    changes: list[LinkChange] = field(default_factory=list)
    before_total: Decimal = ZERO
    after_total: Decimal = ZERO

    @property
    def change(self) -> Decimal:
        return self.after_total - self.before_total

    @property
    def targets_changed(self) -> int:
        return len({(c.scope, c.target_id) for c in self.changes})


def _amounts(results: list[SplitResult], values: dict[tuple[str, int], Decimal]) -> list[Decimal]:
    """Each link's credit: its target's value split by the allowed percents (ledger rounding)."""
    by_target: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, r in enumerate(results):
        by_target[(str(r.scope), r.target_id)].append(i)
    out = [ZERO] * len(results)
    for key, positions in by_target.items():
        shares = [
            ShareInput(
                results[i].partner_id,
                str(results[i].role),
                results[i].percent if results[i].allowed else ZERO,
            )
            for i in positions
        ]
        for i, amount in zip(positions, split_amounts(values.get(key, ZERO), shares), strict=True):
            out[i] = amount
    return out


def rule_preview(
    *, organization: Organization, candidate: RuleSpec | None, replaces: int | None
) -> RulePreview:
    """Run the engine on current data with the current rules and with the candidate in place.

    `replaces` is the id of the saved rule being edited (its current version is swapped out);
    `candidate` None means the rule would be switched off. Nothing is written.
    """
    deals, accounts, links = load_facts(organization)
    specs, _ = active_rule_specs(organization=organization)
    proposed = [s for s in specs if s.id != replaces] + ([candidate] if candidate is not None else [])
    settings = engine_settings(organization)
    before = compute_splits(deals, accounts, links, specs, settings)
    after = compute_splits(deals, accounts, links, proposed, settings)
    values: dict[tuple[str, int], Decimal] = {}
    for d in deals:
        values[(Scope.OPPORTUNITY.value, d.id)] = d.amount
        key = (Scope.ACCOUNT.value, d.account_id)
        values[key] = values.get(key, ZERO) + d.amount
    before_amounts, after_amounts = _amounts(before, values), _amounts(after, values)
    preview = RulePreview(before_total=sum(before_amounts, ZERO), after_total=sum(after_amounts, ZERO))
    changed = [
        i
        for i, (b, a) in enumerate(zip(before, after, strict=True))
        if (b.percent, b.allowed) != (a.percent, a.allowed) or before_amounts[i] != after_amounts[i]
    ]
    names = _target_names(organization, [before[i] for i in changed])
    for i in changed:
        b, a = before[i], after[i]
        preview.changes.append(
            LinkChange(
                scope=str(b.scope),
                target_id=b.target_id,
                target_name=names.get((str(b.scope), b.target_id), ""),
                partner_name=b.partner_name,
                role=str(b.role),
                before_percent=b.percent if b.allowed else ZERO,
                after_percent=a.percent if a.allowed else ZERO,
                before_amount=before_amounts[i],
                after_amount=after_amounts[i],
            )
        )
    preview.changes.sort(key=lambda c: (c.scope, c.target_name, c.partner_name, c.role))
    return preview


def _target_names(organization: Organization, results: list[SplitResult]) -> dict[tuple[str, int], str]:
    deal_ids = {r.target_id for r in results if r.scope is Scope.OPPORTUNITY}
    account_ids = {r.target_id for r in results if r.scope is Scope.ACCOUNT}
    names = {
        (Scope.OPPORTUNITY.value, pk): name
        for pk, name in Opportunity.objects.filter(organization=organization, pk__in=deal_ids).values_list(
            "pk", "name"
        )
    }
    names.update(
        {
            (Scope.ACCOUNT.value, pk): name
            for pk, name in Account.objects.filter(organization=organization, pk__in=account_ids).values_list(
                "pk", "name"
            )
        }
    )
    return names
