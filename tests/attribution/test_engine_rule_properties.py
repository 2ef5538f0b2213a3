"""Property tests of the rules' behaviour (not only bounds): for any rule set and facts, the
highest-priority matching rule decides the split, deny beats allow at its level whatever the
order, caps scale to exactly 100 %, and tier, segment, region and product-line conditions
filter as stated."""

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
    SplitSource,
    compute_splits,
)

TIERS = ["registered", "silver", "gold", "platinum"]
SEGMENTS = ["smb", "mid_market", "enterprise"]
REGIONS = ["na", "emea", "apac", "latam"]
LINES = ["analytics", "platform", "services"]
HUNDRED = Decimal("100.00")
NO_DEFAULTS = EngineSettings(enforce_account_cap=True, si_mode=SiMode.MANUAL_ONLY)
percents = st.decimals(min_value=0, max_value=100, places=2)


def _subset(values):
    return st.frozensets(st.sampled_from(values), max_size=len(values) - 1)


@st.composite
def facts(draw):
    """One deal on one account with one referral partner: tier, segment, region, line vary."""
    account = AccountFacts(1, segment=draw(st.sampled_from(SEGMENTS)), region=draw(st.sampled_from(REGIONS)))
    deal = DealFacts(
        1, 1, "proposal", Decimal("1000.00"), product_line=draw(st.none() | st.sampled_from(LINES))
    )
    link = LinkFacts(Scope.OPPORTUNITY, 1, 7, Role.REFERRAL, partner_tier=draw(st.sampled_from(TIERS)))
    return deal, account, link


@st.composite
def conditions(draw):
    return Conditions(
        partner_tiers=draw(_subset(TIERS)),
        segments=draw(_subset(SEGMENTS)),
        regions=draw(_subset(REGIONS)),
        product_lines=draw(_subset(LINES)),
    )


def _matches(c: Conditions, deal: DealFacts, account: AccountFacts, link: LinkFacts) -> bool:
    """The conditions as the rule schema states them: an empty set matches anything."""
    return (
        (not c.partner_tiers or link.partner_tier in c.partner_tiers)
        and (not c.segments or account.segment in c.segments)
        and (not c.regions or account.region in c.regions)
        and (not c.product_lines or deal.product_line in c.product_lines)
    )


@settings(max_examples=300, deadline=None)
@given(book=facts(), c=conditions(), percent=percents)
def test_tier_segment_region_and_product_line_conditions_filter_as_stated(book, c, percent):
    # given
    deal, account, link = book
    rule = RuleSpec(1, 1, "R", Scope.OPPORTUNITY, 10, c, ActionKind.SET_SPLIT, percent)
    # when
    [result] = compute_splits([deal], [account], [link], [rule], NO_DEFAULTS)
    # then: the rule's percent exactly when every condition holds, else nothing (no default)
    if _matches(c, deal, account, link):
        assert (result.explanation.source, result.percent) == (SplitSource.RULE, percent)
    else:
        assert (result.explanation.source, result.percent) == (SplitSource.DEFAULT, Decimal("0.00"))


@settings(max_examples=300, deadline=None)
@given(
    book=facts(),
    rules=st.lists(st.tuples(st.integers(0, 5), conditions(), percents), min_size=1, max_size=6),
    ids=st.permutations(list(range(6))),
)
def test_the_highest_priority_matching_rule_decides_the_split(book, rules, ids):
    # given: set-split rules with random priorities, ids and conditions
    deal, account, link = book
    specs = [
        RuleSpec(ids[i], 1, f"R{ids[i]}", Scope.OPPORTUNITY, priority, c, ActionKind.SET_SPLIT, percent)
        for i, (priority, c, percent) in enumerate(rules)
    ]
    # when
    [result] = compute_splits([deal], [account], [link], specs, NO_DEFAULTS)
    # then: the first matching rule by (priority, id) gives the split
    matching = sorted(
        (s for s in specs if _matches(s.conditions, deal, account, link)), key=lambda s: (s.priority, s.id)
    )
    if matching:
        assert (result.explanation.rule_id, result.percent) == (matching[0].id, matching[0].percent)
    else:
        assert (result.explanation.rule_id, result.percent) == (None, Decimal("0.00"))


@settings(max_examples=300, deadline=None)
@given(
    book=facts(),
    allows=st.integers(1, 3),
    denies=st.integers(1, 3),
    order=st.randoms(use_true_random=False),
    priority=st.integers(0, 5),
)
def test_deny_beats_allow_at_its_priority_whatever_the_order(book, allows, denies, order, priority):
    # given: matching allow and deny rules at one priority, listed and numbered in any order
    deal, account, link = book
    actions = [ActionKind.ALLOW] * allows + [ActionKind.DENY] * denies
    order.shuffle(actions)
    specs = [
        RuleSpec(i, 1, f"R{i}", Scope.OPPORTUNITY, priority, Conditions(), action)
        for i, action in enumerate(actions)
    ]
    order.shuffle(specs)
    settings_ = EngineSettings(default_percent_by_role={"referral": Decimal("10")})
    # when
    [result] = compute_splits([deal], [account], [link], specs, settings_)
    # then
    first_deny = min(s.id for s in specs if s.action is ActionKind.DENY)
    assert (result.allowed, result.percent, result.explanation.source) == (
        False,
        Decimal("0.00"),
        SplitSource.DENIED,
    )
    assert result.explanation.rule_id == first_deny


@settings(max_examples=300, deadline=None)
@given(
    shares=st.lists(percents, min_size=1, max_size=8),
    scope=st.sampled_from([Scope.ACCOUNT, Scope.OPPORTUNITY]),
)
def test_caps_scale_an_over_100_total_to_exactly_100(shares, scope):
    # given: fixed splits on one deal or one account (account cap on)
    deal = DealFacts(1, 1, "proposal", Decimal("1000.00"))
    target = 1
    links = [LinkFacts(scope, target, p, Role.REFERRAL, manual_percent=s) for p, s in enumerate(shares)]
    # when
    results = compute_splits([deal], [AccountFacts(1)], links, [], NO_DEFAULTS)
    # then: over 100 % scales to exactly 100.00; otherwise nothing changes
    total = sum(shares, Decimal("0"))
    got = [r.percent for r in sorted(results, key=lambda r: r.partner_id)]
    if total > HUNDRED:
        assert sum(got, Decimal("0")) == HUNDRED
        assert all(g <= s for g, s in zip(got, shares, strict=True))
    else:
        assert got == [s.quantize(Decimal("0.01")) for s in shares]
