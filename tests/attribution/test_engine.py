"""Unit tests of the pure split engine: rules, caps, SI modes, defaults, explanations."""

import dataclasses
from decimal import Decimal

import pytest

from attribution.engine import (
    ACCOUNT_TOTAL_CAP,
    DEAL_TOTAL_CAP,
    AccountFacts,
    ActionKind,
    CapApplied,
    Conditions,
    ConsideredRule,
    DealFacts,
    EngineSettings,
    LinkFacts,
    Role,
    RuleSpec,
    Scope,
    SiMode,
    SplitSource,
    UnknownTargetError,
    compute_splits,
    explain_text,
    reachable_priority,
    rule_set_diagnostics,
    split_percent_exact,
)

D = Decimal
OPP, ACC = Scope.OPPORTUNITY, Scope.ACCOUNT
NO_DEFAULTS = EngineSettings(enforce_account_cap=True, si_mode=SiMode.MANUAL_ONLY)


def deal(deal_id=1, amount="50000", stage="proposal", account_id=10, **extra):
    return DealFacts(deal_id, account_id, stage, D(amount), **extra)


def link(role=Role.REFERRAL, partner_id=100, target_id=1, scope=OPP, **extra):
    return LinkFacts(scope, target_id, partner_id, role, **extra)


def rule(rule_id, action, percent=None, priority=10, scope=OPP, version=1, name=None, **conditions):
    return RuleSpec(
        rule_id,
        version,
        name or f"Rule {rule_id}",
        scope,
        priority,
        Conditions(**conditions),
        action,
        D(percent) if percent is not None else None,
    )


def test_set_split_rule_gives_percent_and_explanation_names_rule_and_version():
    # given
    rules = [
        rule(7, ActionKind.SET_SPLIT, "10", version=3, name="Referral 10 %", roles=frozenset({"referral"}))
    ]
    # when
    [result] = compute_splits([deal()], [], [link()], rules, NO_DEFAULTS)
    # then
    assert result.percent == D("10.00")
    assert str(result.percent) == "10.00"
    assert result.allowed is True
    assert result.explanation.source is SplitSource.RULE
    assert (result.explanation.rule_id, result.explanation.rule_version) == (7, 3)
    assert result.explanation.considered == (
        ConsideredRule(7, 3, "Referral 10 %", True, "all conditions matched"),
    )


def test_deny_beats_allow_at_equal_priority():
    # given
    rules = [rule(1, ActionKind.ALLOW, priority=5), rule(2, ActionKind.DENY, priority=5)]
    settings = EngineSettings(default_percent_by_role={"referral": D("10")})
    # when
    [result] = compute_splits([deal()], [], [link()], rules, settings)
    # then
    assert result.allowed is False
    assert result.percent == D("0.00")
    assert result.explanation.source is SplitSource.DENIED
    assert result.explanation.rule_id == 2


def test_an_allow_listed_after_a_deny_does_not_clear_it():
    # given: the deny sorts first (lower id), the allow after it at the same priority
    rules = [rule(1, ActionKind.DENY, priority=5), rule(2, ActionKind.ALLOW, priority=5)]
    settings = EngineSettings(default_percent_by_role={"referral": D("10")})
    # when
    [result] = compute_splits([deal()], [], [link()], rules, settings)
    # then
    assert (result.allowed, result.percent, result.explanation.source, result.explanation.rule_id) == (
        False,
        D("0.00"),
        SplitSource.DENIED,
        1,
    )


def test_allow_at_lower_priority_number_beats_later_deny():
    # given
    rules = [rule(1, ActionKind.DENY, priority=20), rule(2, ActionKind.ALLOW, priority=5)]
    settings = EngineSettings(default_percent_by_role={"referral": D("10")})
    # when
    [result] = compute_splits([deal()], [], [link()], rules, settings)
    # then
    assert result.allowed is True
    assert result.percent == D("10.00")
    assert result.explanation.considered[1] == ConsideredRule(
        1, 1, "Rule 1", True, "matched, but access was already decided at priority 5"
    )


def test_first_set_split_rule_by_priority_wins():
    # given
    rules = [
        rule(1, ActionKind.SET_SPLIT, "25", priority=50, name="Late"),
        rule(2, ActionKind.SET_SPLIT, "12", priority=10, name="Early"),
    ]
    # when
    [result] = compute_splits([deal()], [], [link()], rules, NO_DEFAULTS)
    # then
    assert result.percent == D("12.00")
    assert result.explanation.rule_id == 2
    assert [c.reason for c in result.explanation.considered] == [
        "all conditions matched",
        "matched, but rule 'Early' already set the split",
    ]


def test_considered_rules_say_why_they_did_not_match():
    # given
    rules = [
        rule(1, ActionKind.DENY, roles=frozenset({"influence"})),
        rule(2, ActionKind.DENY, priority=11, max_amount=D("10000")),
        rule(3, ActionKind.DENY, priority=12, stages=frozenset({"closed_lost"})),
        rule(4, ActionKind.DENY, priority=13, partner_tiers=frozenset({"gold"})),
        rule(5, ActionKind.DENY, priority=14, segments=frozenset({"enterprise"})),
        rule(6, ActionKind.DENY, priority=15, product_lines=frozenset({"analytics"})),
    ]
    the_deal = deal(amount="10000", segment="smb", product_line="platform")
    # when
    [result] = compute_splits([the_deal], [], [link(partner_tier="silver")], rules, NO_DEFAULTS)
    # then
    assert result.allowed is True
    assert [(c.rule_id, c.matched, c.reason) for c in result.explanation.considered] == [
        (1, False, "applies to influence partners, not referral"),
        (2, False, "deal value is not under 10,000.00"),
        (3, False, "deal stage proposal is not closed_lost"),
        (4, False, "partner tier silver is not gold"),
        (5, False, "segment smb is not enterprise"),
        (6, False, "product line platform is not analytics"),
    ]


def test_amount_bounds_are_exclusive_under_and_inclusive_at_least():
    # given
    rules = [
        rule(1, ActionKind.SET_SPLIT, "5", max_amount=D("10000")),
        rule(2, ActionKind.SET_SPLIT, "7", priority=20, min_amount=D("10000")),
    ]
    deals = [deal(1, "9999.99"), deal(2, "10000.00")]
    # when
    results = compute_splits(deals, [], [link(target_id=1), link(target_id=2)], rules, NO_DEFAULTS)
    # then
    assert [r.percent for r in results] == [D("5.00"), D("7.00")]


def test_cap_rule_lowers_split_and_records_the_cap():
    # given
    rules = [
        rule(1, ActionKind.SET_SPLIT, "15", name="Referral 15 %", version=3),
        rule(2, ActionKind.CAP, "10", priority=20, name="Cap 10"),
        rule(3, ActionKind.CAP, "12", priority=30, name="Cap 12"),
    ]
    # when
    [result] = compute_splits([deal()], [], [link(partner_name="Northwind")], rules, NO_DEFAULTS)
    # then
    assert result.percent == D("10.00")
    assert result.explanation.caps_applied == (CapApplied("rule 'Cap 10' (v1)", D("15.00"), D("10.00")),)
    assert explain_text(result) == (
        "Referral partner Northwind gets 10.00 % because rule 'Referral 15 %' (v3) matched; "
        "capped from 15.00 % to 10.00 % by rule 'Cap 10' (v1)."
    )


def test_manual_percent_overrides_rule_and_default_but_not_cap():
    # given
    rules = [rule(1, ActionKind.SET_SPLIT, "5", name="Five"), rule(2, ActionKind.CAP, "20", priority=20)]
    links = [link(manual_percent=D("12.5")), link(partner_id=101, manual_percent=D("30"))]
    # when
    results = compute_splits([deal()], [], links, rules, NO_DEFAULTS)
    # then
    assert [r.percent for r in results] == [D("12.50"), D("20.00")]
    assert [r.explanation.source for r in results] == [SplitSource.MANUAL, SplitSource.MANUAL]
    assert results[0].explanation.notes == ("the manual split overrides rule 'Five'",)
    assert results[1].explanation.caps_applied == (CapApplied("rule 'Rule 2' (v1)", D("30.00"), D("20.00")),)


def test_manual_percent_does_not_override_deny():
    # given
    rules = [rule(1, ActionKind.DENY, name="No referral", version=2)]
    # when
    [result] = compute_splits(
        [deal()], [], [link(manual_percent=D("40"), partner_name="Acme")], rules, NO_DEFAULTS
    )
    # then
    assert (result.allowed, result.percent) == (False, D("0.00"))
    assert (
        explain_text(result)
        == "Referral partner Acme gets no credit because rule 'No referral' (v2) denies it."
    )


def test_defaults_per_role_apply_when_no_rule_sets_a_split():
    # given
    settings = EngineSettings(default_percent_by_role={"referral": D("10"), "influence": D("2.5")})
    links = [link(Role.REFERRAL, 1), link(Role.INFLUENCE, 2), link(Role.ISV, 3)]
    # when
    results = compute_splits([deal()], [], links, [], settings)
    # then
    assert [(r.percent, r.explanation.source) for r in results] == [
        (D("10.00"), SplitSource.DEFAULT),
        (D("2.50"), SplitSource.DEFAULT),
        (D("0.00"), SplitSource.DEFAULT),
    ]


def test_account_cap_scales_down_to_exactly_100_with_largest_remainder():
    # given
    account = AccountFacts(10, "enterprise", "na")
    links = [link(Role.REFERRAL, p, 10, ACC, manual_percent=D("50")) for p in (1, 2, 3)]
    # when
    results = compute_splits([deal()], [account], links, [], NO_DEFAULTS)
    # then
    assert [r.percent for r in results] == [D("33.34"), D("33.33"), D("33.33")]
    assert sum(r.percent for r in results) == D("100.00")
    assert results[1].explanation.caps_applied == (CapApplied(ACCOUNT_TOTAL_CAP, D("50.00"), D("33.33")),)


def test_account_cap_off_leaves_account_total_above_100():
    # given
    settings = EngineSettings(enforce_account_cap=False, si_mode=SiMode.MANUAL_ONLY)
    links = [link(Role.REFERRAL, p, 10, ACC, manual_percent=D("60")) for p in (1, 2)]
    # when
    results = compute_splits([deal()], [AccountFacts(10)], links, [], settings)
    # then
    assert [r.percent for r in results] == [D("60.00"), D("60.00")]
    assert [r.explanation.caps_applied for r in results] == [(), ()]


def test_deal_total_never_above_100():
    # given
    links = [link(Role.REFERRAL, 1, manual_percent=D("70")), link(Role.ISV, 2, manual_percent=D("50"))]
    # when
    results = compute_splits([deal()], [], links, [], NO_DEFAULTS)
    # then
    assert [r.percent for r in results] == [D("58.33"), D("41.67")]
    assert results[0].explanation.caps_applied == (CapApplied(DEAL_TOTAL_CAP, D("70.00"), D("58.33")),)


def test_si_live_share_is_implemented_value_over_account_value():
    # given: SI 1 implements deals 1 and 3 (30,000 + 20,000 of 100,000); SI 2 implements deal 2
    deals = [deal(1, "30000"), deal(2, "50000"), deal(3, "20000"), deal(4, "999", account_id=11)]
    links = [
        link(Role.SI, 1, 1),
        link(Role.SI, 1, 3),
        link(Role.SI, 2, 2),
        link(Role.SI, 1, 10, ACC, partner_name="Integra"),
        link(Role.SI, 2, 10, ACC),
        link(Role.SI, 3, 10, ACC),
    ]
    settings = EngineSettings(si_mode=SiMode.LIVE_SHARE, default_percent_by_role={"si": D("5")})
    # when
    results = compute_splits(deals, [AccountFacts(10), AccountFacts(11)], links, [], settings)
    # then
    account_results = results[3:]
    assert [r.percent for r in account_results] == [D("50.00"), D("50.00"), D("0.00")]
    assert {r.explanation.source for r in account_results} == {SplitSource.SI_LIVE_SHARE}
    assert explain_text(account_results[0]) == (
        "SI partner Integra gets 50.00 % as its live share of the account "
        "(implements 50,000.00 of the account's 100,000.00 in deals)."
    )
    assert [r.percent for r in results[:3]] == [D("5.00"), D("5.00"), D("5.00")]


def test_si_live_share_rounds_to_two_places():
    # given
    deals = [deal(1, "100"), deal(2, "100"), deal(3, "100")]
    links = [link(Role.SI, 1, 1), link(Role.SI, 1, 10, ACC)]
    # when
    results = compute_splits(deals, [AccountFacts(10)], links, [], EngineSettings(si_mode=SiMode.LIVE_SHARE))
    # then
    assert results[1].percent == D("33.33")


def test_si_live_share_uses_account_deal_values_when_given():
    # given
    account = AccountFacts(10, deal_values={1: D("25000"), 2: D("75000")})
    links = [link(Role.SI, 1, 1), link(Role.SI, 1, 10, ACC)]
    # when
    results = compute_splits([deal(1, "1")], [account], links, [], EngineSettings(si_mode=SiMode.LIVE_SHARE))
    # then
    assert results[1].percent == D("25.00")


def test_si_fixed_percent_mode():
    # given
    settings = EngineSettings(si_mode=SiMode.FIXED_PERCENT, si_fixed_percent=D("17.5"))
    # when
    [result] = compute_splits([deal()], [AccountFacts(10)], [link(Role.SI, 1, 10, ACC)], [], settings)
    # then
    assert (result.percent, result.explanation.source) == (D("17.50"), SplitSource.SI_FIXED)


def test_si_manual_only_mode_gives_zero_without_manual_percent():
    # given
    settings = EngineSettings(si_mode=SiMode.MANUAL_ONLY, default_percent_by_role={"si": D("9")})
    links = [link(Role.SI, 1, 10, ACC), link(Role.SI, 2, 10, ACC, manual_percent=D("12"))]
    # when
    results = compute_splits([deal()], [AccountFacts(10)], links, [], settings)
    # then
    assert [r.percent for r in results] == [D("0.00"), D("12.00")]
    assert results[0].explanation.notes == ("SI splits are manual only and none is set",)


def test_stage_conditions_never_match_account_links():
    # given
    rules = [rule(1, ActionKind.DENY, scope=ACC, stages=frozenset({"proposal"}))]
    # when
    [result] = compute_splits(
        [deal()], [AccountFacts(10)], [link(scope=ACC, target_id=10)], rules, NO_DEFAULTS
    )
    # then
    assert result.allowed is True
    assert result.explanation.considered[0].reason == "needs a deal stage; account links have none"


def test_rules_only_apply_to_links_of_their_scope():
    # given
    rules = [rule(1, ActionKind.SET_SPLIT, "40", scope=ACC)]
    # when
    [result] = compute_splits([deal()], [], [link()], rules, NO_DEFAULTS)
    # then
    assert (result.percent, result.explanation.considered) == (D("0.00"), ())


def test_link_to_unknown_deal_raises():
    # given
    links = [link(target_id=999)]
    # when / then
    with pytest.raises(UnknownTargetError, match="deal 999"):
        compute_splits([deal()], [], links, [], NO_DEFAULTS)


@pytest.mark.parametrize(
    ("_case", "total", "weights", "expected"),
    [
        ("thirds", "100", ["1", "1", "1"], ["33.34", "33.33", "33.33"]),
        ("proportional", "100", ["70", "50"], ["58.33", "41.67"]),
        ("zero weights", "100", ["0", "0"], ["0.00", "0.00"]),
        ("empty", "100", [], []),
    ],
)
def test_split_percent_exact(_case, total, weights, expected):
    # when
    parts = split_percent_exact(D(total), [D(w) for w in weights])
    # then
    assert parts == [D(e) for e in expected]


def test_diagnostics_report_conflict_at_equal_priority():
    # given
    rules = [
        rule(1, ActionKind.ALLOW, priority=5, name="Allow referral", roles=frozenset({"referral"})),
        rule(2, ActionKind.DENY, priority=5, name="Deny small", max_amount=D("10000")),
    ]
    # when
    diagnostics = rule_set_diagnostics(rules)
    # then
    assert [(d.kind, d.rule_ids) for d in diagnostics] == [("conflict", (1, 2))]
    assert diagnostics[0].message == (
        "Rules 'Allow referral' and 'Deny small' have the same priority (5), "
        "overlapping conditions and different actions."
    )


def test_diagnostics_report_unreachable_split_rule():
    # given
    rules = [
        rule(1, ActionKind.SET_SPLIT, "10", priority=5, name="All referral", roles=frozenset({"referral"})),
        rule(
            2, ActionKind.SET_SPLIT, "20", priority=9, name="Big referral",
            roles=frozenset({"referral"}), min_amount=D("50000"),
        ),
    ]  # fmt: skip
    # when
    diagnostics = rule_set_diagnostics(rules)
    # then
    assert [(d.kind, d.rule_ids) for d in diagnostics] == [("unreachable", (2, 1))]
    assert diagnostics[0].message == (
        "Rule 'Big referral' can never decide: rule 'All referral' comes first and matches everything it matches."
    )


def test_diagnostics_silent_for_disjoint_and_narrower_first_rules():
    # given
    rules = [
        rule(1, ActionKind.SET_SPLIT, "20", priority=5, roles=frozenset({"referral"}), min_amount=D("50000")),
        rule(2, ActionKind.SET_SPLIT, "10", priority=9, roles=frozenset({"referral"})),
        rule(3, ActionKind.ALLOW, priority=5, max_amount=D("1000")),
        rule(4, ActionKind.DENY, priority=5, min_amount=D("1000")),
        rule(5, ActionKind.CAP, "10", priority=1),
        rule(6, ActionKind.CAP, "20", priority=2),
    ]
    # when
    diagnostics = rule_set_diagnostics(rules)
    # then
    assert diagnostics == []


REFERRAL = frozenset({"referral"})


@pytest.mark.parametrize(
    ("_case", "existing", "candidate", "expected"),
    [
        # nothing stands in the way: the rule keeps its priority, behind the narrower rule
        ("free", [rule(1, ActionKind.SET_SPLIT, "20", priority=50, roles=REFERRAL, min_amount=D("50000"))],
         rule("new", ActionKind.SET_SPLIT, "10", priority=100, roles=REFERRAL), (100, None)),
        # a covering split rule at the same priority runs first (lower id): one step ahead of it
        ("tie", [rule(1, ActionKind.SET_SPLIT, "10", priority=100, roles=REFERRAL)],
         rule("new", ActionKind.SET_SPLIT, "12", priority=100, roles=REFERRAL, min_amount=D("50000")), (99, 1)),
        # an allow rule decides access earlier; at its own level a deny would conflict with it
        ("access", [rule(1, ActionKind.ALLOW, priority=40, roles=REFERRAL)],
         rule("new", ActionKind.DENY, priority=100, roles=REFERRAL, max_amount=D("5000")), (39, 1)),
        # caps never stand in the way, and rules of the other scope are not looked at
        ("caps and scopes", [rule(1, ActionKind.CAP, "5", priority=1),
                             rule(2, ActionKind.SET_SPLIT, "10", priority=1, scope=ACC, roles=REFERRAL)],
         rule("new", ActionKind.SET_SPLIT, "12", priority=100, roles=REFERRAL), (100, None)),
    ],
)  # fmt: skip
def test_reachable_priority_places_a_new_rule_where_it_can_decide(_case, existing, candidate, expected):
    # when
    placement = reachable_priority(existing, candidate)
    # then
    assert placement is not None
    blocker = placement.ahead_of.id if placement.ahead_of is not None else None
    assert (placement.priority, blocker) == expected
    placed = dataclasses.replace(candidate, priority=placement.priority)
    assert [d for d in rule_set_diagnostics([*existing, placed]) if "new" in d.rule_ids] == []


def test_reachable_priority_is_none_when_a_rule_at_zero_covers_it():
    # given
    existing = [rule(1, ActionKind.SET_SPLIT, "10", priority=0, roles=REFERRAL)]
    # when
    placement = reachable_priority(
        existing, rule("new", ActionKind.SET_SPLIT, "12", priority=100, roles=REFERRAL)
    )
    # then
    assert placement is None
