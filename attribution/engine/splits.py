"""Compute every link's split: rules, manual and default percents, SI modes, caps and totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from attribution.engine.rules import RuleIndex, RuleOutcome
from attribution.engine.types import (
    HUNDRED,
    ZERO,
    AccountFacts,
    CapApplied,
    DealFacts,
    EngineSettings,
    Explanation,
    LinkFacts,
    Role,
    RuleSpec,
    Scope,
    SiMode,
    SplitResult,
    SplitSource,
    quantize_percent,
)

DEAL_TOTAL_CAP = "the 100 % deal total"
ACCOUNT_TOTAL_CAP = "the 100 % account total"


class UnknownTargetError(ValueError):
    """A link points at a deal or account that was not passed to the engine."""


def split_percent_exact(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split the percentage `total` in proportion to `weights`, 2 places, parts summing exactly.

    The percentage twin of `revops.money.split_exact`: floor each share to 0.01, then hand the
    leftover hundredths to the largest remainders (ties to the earlier share).
    """
    if not weights:
        return []
    weight_sum = sum(weights, Decimal(0))
    if weight_sum == 0:
        return [ZERO for _ in weights]
    units = int(quantize_percent(total) * 100)
    raw = [Decimal(units) * w / weight_sum for w in weights]
    floors = [int(r // 1) for r in raw]
    left = units - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[: max(left, 0)]:
        floors[i] += 1
    return [Decimal(f).scaleb(-2) for f in floors]


class _Book:
    """Deals and accounts indexed for the links, plus the sums SI live share needs."""

    def __init__(self, deals: Iterable[DealFacts], accounts: Iterable[AccountFacts]) -> None:
        self.deals = {d.id: d for d in deals}
        self.accounts = {a.id: a for a in accounts}
        derived: dict[Hashable, dict[Hashable, Decimal]] = defaultdict(dict)
        for deal in self.deals.values():
            derived[deal.account_id][deal.id] = deal.amount
        self.deal_values: dict[Hashable, dict[Hashable, Decimal]] = {}
        for account_id in self.accounts.keys() | derived.keys():
            account = self.accounts.get(account_id)
            given = account.deal_values if account is not None else None
            self.deal_values[account_id] = dict(given) if given else derived.get(account_id, {})
        self.account_totals = {a: sum(v.values(), ZERO) for a, v in self.deal_values.items()}

    def deal(self, deal_id: Hashable) -> DealFacts:
        try:
            return self.deals[deal_id]
        except KeyError:
            raise UnknownTargetError(f"A link points at deal {deal_id!r}, which was not given.") from None

    def account(self, account_id: Hashable) -> AccountFacts:
        try:
            return self.accounts[account_id]
        except KeyError:
            raise UnknownTargetError(
                f"A link points at account {account_id!r}, which was not given."
            ) from None

    def si_implemented(self, links: Sequence[LinkFacts]) -> dict[tuple[Hashable, Hashable], Decimal]:
        """Value of each account's deals that each SI partner implements (deal-level SI links)."""
        seen: set[tuple[Hashable, Hashable]] = set()
        totals: dict[tuple[Hashable, Hashable], Decimal] = defaultdict(lambda: ZERO)
        for link in links:
            if link.scope is not Scope.OPPORTUNITY or link.role is not Role.SI:
                continue
            if (link.target_id, link.partner_id) in seen:
                continue
            seen.add((link.target_id, link.partner_id))
            deal = self.deal(link.target_id)
            value = self.deal_values.get(deal.account_id, {}).get(deal.id, deal.amount)
            totals[(deal.account_id, link.partner_id)] += value
        return totals


def _lookup(book: _Book, index: RuleIndex, link: LinkFacts) -> tuple[RuleOutcome, Hashable]:
    """The rule outcome for `link`, and the account id its split counts against.

    Account links have no stage or product line; their "deal value" is the account's total.
    A deal's segment and region fall back to its account's.
    """
    if link.scope is Scope.ACCOUNT:
        account = book.account(link.target_id)
        amount = book.account_totals.get(account.id, ZERO)
        outcome = index.lookup(
            link.scope, link.role, link.partner_types, link.partner_tier, None, amount, None,
            account.segment, account.region,
        )  # fmt: skip
        return outcome, account.id
    deal = book.deal(link.target_id)
    segment, region = deal.segment, deal.region
    if not (segment and region):
        deal_account = book.accounts.get(deal.account_id)
        if deal_account is not None:
            segment, region = segment or deal_account.segment, region or deal_account.region
    outcome = index.lookup(
        link.scope, link.role, link.partner_types, link.partner_tier, deal.stage, deal.amount,
        deal.product_line, segment, region,
    )  # fmt: skip
    return outcome, deal.account_id


def _base_percent(
    link: LinkFacts,
    outcome: RuleOutcome,
    settings: EngineSettings,
    si_value: Decimal,
    account_total: Decimal,
) -> tuple[Decimal, SplitSource, tuple[str, ...]]:
    """The split before caps, where it came from, and notes for the explanation."""
    rule = outcome.split_rule
    if link.manual_percent is not None:
        notes = (f"the manual split overrides rule '{rule.name}'",) if rule else ()
        return quantize_percent(link.manual_percent), SplitSource.MANUAL, notes
    if rule is not None:
        return quantize_percent(rule.percent or ZERO), SplitSource.RULE, ()
    if link.scope is Scope.ACCOUNT and link.role is Role.SI:
        if settings.si_mode is SiMode.LIVE_SHARE:
            share = si_value * 100 / account_total if account_total else ZERO
            note = f"implements {si_value:,.2f} of the account's {account_total:,.2f} in deals"
            return quantize_percent(share), SplitSource.SI_LIVE_SHARE, (note,)
        if settings.si_mode is SiMode.FIXED_PERCENT:
            return quantize_percent(settings.si_fixed_percent), SplitSource.SI_FIXED, ()
        return ZERO, SplitSource.DEFAULT, ("SI splits are manual only and none is set",)
    default = settings.default_percent_by_role.get(link.role, ZERO)
    return quantize_percent(default), SplitSource.DEFAULT, ()


def _apply_rule_caps(percent: Decimal, outcome: RuleOutcome) -> tuple[Decimal, tuple[CapApplied, ...]]:
    applied: list[CapApplied] = []
    for cap in outcome.cap_rules:
        limit = quantize_percent(cap.percent or ZERO)
        if percent > limit:
            applied.append(CapApplied(f"rule '{cap.name}' (v{cap.version})", percent, limit))
            percent = limit
    return percent, tuple(applied)


def _link_result(
    link: LinkFacts,
    outcome: RuleOutcome,
    settings: EngineSettings,
    si_value: Decimal,
    account_total: Decimal,
) -> SplitResult:
    deny = outcome.deny_rule
    if deny is not None:
        explanation = Explanation(
            SplitSource.DENIED, deny.id, deny.version, deny.name, considered=outcome.considered
        )
        return SplitResult(
            link.scope, link.target_id, link.partner_id, link.role, ZERO, False, explanation,
            link.partner_name, link.link_id,
        )  # fmt: skip
    percent, source, notes = _base_percent(link, outcome, settings, si_value, account_total)
    percent, caps = _apply_rule_caps(percent, outcome)
    rule = outcome.split_rule if source is SplitSource.RULE else None
    explanation = Explanation(
        source,
        rule.id if rule else None,
        rule.version if rule else None,
        rule.name if rule else "",
        caps,
        outcome.considered,
        notes,
    )
    return SplitResult(
        link.scope, link.target_id, link.partner_id, link.role, percent, True, explanation,
        link.partner_name, link.link_id,
    )  # fmt: skip


def _enforce_total(results: list[SplitResult], positions: list[int], what: str) -> None:
    """Scale the splits at `positions` down to 100 % in total, recording the cap on each."""
    current = [results[i].percent for i in positions]
    if sum(current, ZERO) <= HUNDRED:
        return
    scaled = split_percent_exact(HUNDRED, current)
    for i, before, after in zip(positions, current, scaled, strict=True):
        if after == before:
            continue
        result = results[i]
        explanation = replace(
            result.explanation,
            caps_applied=(*result.explanation.caps_applied, CapApplied(what, before, after)),
        )
        results[i] = replace(result, percent=after, explanation=explanation)


def compute_splits(
    deals: Iterable[DealFacts],
    accounts: Iterable[AccountFacts],
    links: Iterable[LinkFacts],
    rules: Iterable[RuleSpec],
    settings: EngineSettings,
) -> list[SplitResult]:
    """Return one SplitResult per link, in the order of `links`. See the package docstring."""
    links = list(links)
    book = _Book(deals, accounts)
    index = RuleIndex(rules)
    si_values = book.si_implemented(links)
    # Links without a manual percent that are not SI account links share one result shape
    # per rule outcome; building it once keeps large books cheap.
    shared: dict[int, tuple[Decimal, bool, Explanation]] = {}
    results: list[SplitResult] = []
    by_deal: dict[Hashable, list[int]] = defaultdict(list)
    by_account: dict[Hashable, list[int]] = defaultdict(list)
    for position, link in enumerate(links):
        outcome, account_id = _lookup(book, index, link)
        cacheable = link.manual_percent is None and not (link.scope is Scope.ACCOUNT and link.role is Role.SI)
        key = id(outcome)
        if cacheable and key in shared:
            percent, allowed, explanation = shared[key]
            result = SplitResult(
                link.scope, link.target_id, link.partner_id, link.role, percent, allowed, explanation,
                link.partner_name, link.link_id,
            )  # fmt: skip
        else:
            si_value = si_values.get((account_id, link.partner_id), ZERO)
            total = book.account_totals.get(account_id, ZERO)
            result = _link_result(link, outcome, settings, si_value, total)
            if cacheable:
                shared[key] = (result.percent, result.allowed, result.explanation)
        results.append(result)
        if result.allowed:
            group = by_account if link.scope is Scope.ACCOUNT else by_deal
            group[link.target_id].append(position)
    for positions in by_deal.values():
        _enforce_total(results, positions, DEAL_TOTAL_CAP)
    if settings.enforce_account_cap:
        for positions in by_account.values():
            _enforce_total(results, positions, ACCOUNT_TOTAL_CAP)
    return results
