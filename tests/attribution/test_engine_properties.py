"""Property tests: for any links, rules and settings the engine's splits stay within bounds."""

from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from attribution.engine import (
    AccountFacts,
    ActionKind,
    Conditions,
    DealFacts,
    EngineSettings,
    LinkFacts,
    Role,
    RuleSpec,
    Scope,
    SiMode,
    compute_splits,
)
from revops.money import quantize_money, split_exact

ROLES = list(Role)
STAGES = ["prospecting", "proposal", "closed_won"]
percents = st.decimals(min_value=0, max_value=100, places=2)
amounts = st.decimals(min_value=0, max_value=10_000_000, places=2)


@st.composite
def conditions(draw):
    return Conditions(
        roles=frozenset(draw(st.sets(st.sampled_from([r.value for r in ROLES]), max_size=2))),
        stages=frozenset(draw(st.sets(st.sampled_from(STAGES), max_size=1))),
        min_amount=draw(st.none() | amounts),
        max_amount=draw(st.none() | amounts),
        max_inclusive=draw(st.booleans()),
    )


@st.composite
def rule_specs(draw):
    n = draw(st.integers(0, 6))
    rules = []
    for i in range(n):
        action = draw(st.sampled_from(list(ActionKind)))
        percent = draw(percents) if action in (ActionKind.SET_SPLIT, ActionKind.CAP) else None
        scope = draw(st.sampled_from(list(Scope)))
        rules.append(
            RuleSpec(i, 1, f"R{i}", scope, draw(st.integers(0, 3)), draw(conditions()), action, percent)
        )
    return rules


@st.composite
def books(draw):
    n_accounts = draw(st.integers(1, 3))
    deals = [
        DealFacts(d, draw(st.integers(0, n_accounts - 1)), draw(st.sampled_from(STAGES)), draw(amounts))
        for d in range(draw(st.integers(1, 6)))
    ]
    accounts = [AccountFacts(a) for a in range(n_accounts)]
    links = []
    for d in deals:
        for partner in draw(st.lists(st.integers(0, 5), min_size=1, max_size=4, unique=True)):
            manual = draw(st.none() | percents)
            links.append(
                LinkFacts(
                    Scope.OPPORTUNITY, d.id, partner, draw(st.sampled_from(ROLES)), manual_percent=manual
                )
            )
    for a in accounts:
        for partner in draw(st.lists(st.integers(0, 5), max_size=4, unique=True)):
            manual = draw(st.none() | percents)
            links.append(
                LinkFacts(Scope.ACCOUNT, a.id, partner, draw(st.sampled_from(ROLES)), manual_percent=manual)
            )
    engine_settings = EngineSettings(
        enforce_account_cap=draw(st.booleans()),
        si_mode=draw(st.sampled_from(list(SiMode))),
        si_fixed_percent=draw(percents),
        default_percent_by_role={r.value: draw(percents) for r in ROLES},
    )
    return deals, accounts, links, engine_settings


@settings(max_examples=200, deadline=None)
@given(book=books(), rules=rule_specs())
def test_splits_stay_within_bounds_and_money_splits_exactly(book, rules):
    # given
    deals, accounts, links, engine_settings = book
    # when
    results = compute_splits(deals, accounts, links, rules, engine_settings)
    # then
    assert len(results) == len(links)
    per_deal, per_account = defaultdict(list), defaultdict(list)
    for result in results:
        assert Decimal(0) <= result.percent <= Decimal(100)
        assert result.percent.as_tuple().exponent == -2
        if not result.allowed:
            assert result.percent == Decimal("0.00")
        (per_deal if result.scope is Scope.OPPORTUNITY else per_account)[result.target_id].append(
            result.percent
        )
    for deal_percents in per_deal.values():
        assert sum(deal_percents) <= Decimal(100)
    if engine_settings.enforce_account_cap:
        for account_percents in per_account.values():
            assert sum(account_percents) <= Decimal(100)
    for d in deals:
        deal_percents = per_deal[d.id]
        attributed = quantize_money(d.amount * sum(deal_percents) / 100)
        parts = split_exact(attributed, deal_percents)
        assert sum(parts, Decimal("0.00")) == (attributed if any(deal_percents) else Decimal("0.00"))
        assert attributed <= d.amount
