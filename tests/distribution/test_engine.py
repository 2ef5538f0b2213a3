"""The distribution engine on hand-checked cases: each strategy, chaining, seeds, state."""

from collections import Counter
from datetime import date

import pytest

from distribution.engine import (
    LeadFacts,
    OutOfOffice,
    RepFacts,
    distribute,
    load_text,
    plan,
)

TODAY = date(2026, 3, 4)  # a Wednesday


def _doc(distribution: str, lead_finding: str = "") -> object:
    text = "campaign:\n  name: Test\ndistribution:\n" + distribution
    if lead_finding:
        text += "lead_finding:\n" + lead_finding
    return load_text(text, env={})


def _leads(n: int, **extra) -> list[LeadFacts]:
    return [LeadFacts(id=i, created_on=date(2026, 3, 1), **extra) for i in range(1, n + 1)]


def _counts(result) -> dict[int, int]:
    return dict(Counter(a.rep_id for a in result.assignments))


def test_level_based_fills_higher_priority_levels_to_target_first():
    # given seniors (priority 1, target 3) and juniors (priority 2, target 2), 12 leads
    doc = _doc(
        "  strategy: level_based\n  levels:\n    senior: {target_leads: 3, priority: 1}\n"
        "    junior: {target_leads: 2, priority: 2}\n"
    )
    reps = [
        RepFacts(1, "S1", level="senior"),
        RepFacts(2, "S2", level="senior"),
        RepFacts(3, "J1", level="junior"),
        RepFacts(4, "J2", level="junior"),
    ]
    # when
    result = plan(_leads(12), reps, doc.distribution, today=TODAY)
    # then seniors take the first six leads, juniors two each, two leads find nobody
    assert _counts(result) == {1: 3, 2: 3, 3: 2, 4: 2}
    assert {a.rep_id for a in result.assignments[:6]} == {1, 2}
    assert result.unassigned == (11, 12)


def test_level_based_rep_target_overrides_level_target():
    doc = _doc("  strategy: level_based\n  levels:\n    senior: {target_leads: 3}\n")
    reps = [RepFacts(1, "S1", level="senior", target_leads=1), RepFacts(2, "S2", level="senior")]
    result = plan(_leads(5), reps, doc.distribution, today=TODAY)
    assert _counts(result) == {1: 1, 2: 3}
    assert result.unassigned == (5,)


def test_round_robin_continues_where_the_last_run_stopped():
    doc = _doc("  strategy: round_robin\n")
    reps = [RepFacts(10, "A"), RepFacts(20, "B"), RepFacts(30, "C")]
    # when the first run gives 4 leads: A B C A
    first = plan(_leads(4), reps, doc.distribution, today=TODAY)
    assert [a.rep_id for a in first.assignments] == [10, 20, 30, 10]
    assert first.state.last_rep_id == 10
    # then the next run starts with B
    second = plan(_leads(2), reps, doc.distribution, today=TODAY, state=first.state)
    assert [a.rep_id for a in second.assignments] == [20, 30]
    assert second.state.last_rep_id == 30


def test_round_robin_skips_reps_at_capacity():
    doc = _doc("  strategy: round_robin\n")
    reps = [RepFacts(1, "A", capacity=1), RepFacts(2, "B", capacity=5, current_load=3)]
    result = plan(_leads(5), reps, doc.distribution, today=TODAY)
    assert [a.rep_id for a in result.assignments] == [1, 2, 2]
    assert result.unassigned == (4, 5)


def test_proportional_shares_in_proportion_to_the_workload_gap():
    # given target 10 and loads 2, 6, 10: gaps 8, 4, 0
    doc = _doc("  strategy: proportional\n  default_target_leads: 10\n")
    reps = [
        RepFacts(1, "A", current_load=2),
        RepFacts(2, "B", current_load=6),
        RepFacts(3, "C", current_load=10),
    ]
    # when 6 leads come in
    result = plan(_leads(6), reps, doc.distribution, today=TODAY)
    # then 6 × 8/12 = 4 and 6 × 4/12 = 2
    assert _counts(result) == {1: 4, 2: 2}


def test_proportional_closes_every_gap_and_passes_the_rest_on():
    doc = _doc("  strategy: proportional\n  default_target_leads: 10\n")
    reps = [
        RepFacts(1, "A", current_load=2),
        RepFacts(2, "B", current_load=6),
        RepFacts(3, "C", current_load=10),
    ]
    result = plan(_leads(15), reps, doc.distribution, today=TODAY)
    assert _counts(result) == {1: 8, 2: 4}
    assert {r.rep_id: r.after for r in result.reps} == {1: 10, 2: 10, 3: 10}
    assert len(result.unassigned) == 3


def test_capacity_based_never_exceeds_capacity():
    # given capacity 5 each, A already holds 3: rooms 2, 5, 5
    doc = _doc("  strategy: capacity_based\n  capacity: {default_capacity: 5}\n")
    reps = [RepFacts(1, "A", current_load=3), RepFacts(2, "B"), RepFacts(3, "C")]
    result = plan(_leads(13), reps, doc.distribution, today=TODAY)
    assert _counts(result) == {1: 2, 2: 5, 3: 5}
    assert result.unassigned == (13,)
    assert all(r.after <= 5 for r in result.reps)


def test_capacity_based_spreads_evenly_below_capacity():
    doc = _doc("  strategy: capacity_based\n  capacity: {default_capacity: 50}\n")
    reps = [RepFacts(1, "A"), RepFacts(2, "B"), RepFacts(3, "C")]
    result = plan(_leads(10), reps, doc.distribution, today=TODAY)
    assert sorted(_counts(result).values()) == [3, 3, 4]


@pytest.mark.parametrize(
    ("_case", "policy", "leads", "expected", "owed_after"),
    [
        ("none", "none", 9, {1: 3, 2: 3, 3: 3}, {}),
        ("gradual", "gradual", 8, {1: 2, 2: 4, 3: 2}, {2: 1}),
        ("full", "full", 9, {1: 2, 2: 5, 3: 2}, {}),
    ],
)
def test_capacity_based_catch_up_after_out_of_office(_case, policy, leads, expected, owed_after):
    # given B is owed 3 leads from days out of office
    doc = _doc(f"  strategy: capacity_based\n  capacity: {{catch_up: {policy}, catch_up_rate: 0.5}}\n")
    reps = [RepFacts(1, "A"), RepFacts(2, "B", catch_up_owed=3), RepFacts(3, "C")]
    # when
    result = plan(_leads(leads), reps, doc.distribution, today=TODAY)
    # then none: even shares, debt dropped; gradual: ceil(3 × 0.5) = 2 extra first, 1 still
    # owed; full: all 3 extra first, nothing owed
    assert _counts(result) == expected
    assert result.state.catch_up_owed == owed_after


def test_out_of_office_rep_gets_nothing_and_accrues_debt():
    doc = _doc("  strategy: capacity_based\n  capacity: {catch_up: full}\n")
    away = OutOfOffice(date(2026, 3, 2), date(2026, 3, 6))
    reps = [RepFacts(1, "A"), RepFacts(2, "B", out_of_office=(away,)), RepFacts(3, "C")]
    result = plan(_leads(8), reps, doc.distribution, today=TODAY)
    assert _counts(result) == {1: 4, 3: 4}
    assert result.ineligible_reps["out of office"] == (2,)
    assert result.state.catch_up_owed == {2: 4}


def test_performance_weighted_shrinks_toward_team_rate():
    # given A converted 8 of 10 similar leads, B 2 of 10; prior strength 10 → team rate 0.5
    # A: (8 + 5) / 20 = 0.65, B: (2 + 5) / 20 = 0.35 → 20 leads split 13 / 7
    doc = _doc(
        "  strategy: performance_weighted\n  performance: {similarity: [campaign], prior_strength: 10}\n"
    )
    reps = [
        RepFacts(1, "A", conversions={"campaign=Spring": (8, 10)}),
        RepFacts(2, "B", conversions={"campaign=Spring": (2, 10)}),
    ]
    result = plan(_leads(20, campaign="Spring"), reps, doc.distribution, today=TODAY)
    assert _counts(result) == {1: 13, 2: 7}
    assert result.assignments[0].rep_id == 1


def test_performance_weighted_fairness_floor_lifts_the_weakest():
    doc = _doc(
        "  strategy: performance_weighted\n"
        "  performance: {similarity: [campaign], prior_strength: 10, fairness_floor: 0.4}\n"
    )
    reps = [
        RepFacts(1, "A", conversions={"campaign=Spring": (8, 10)}),
        RepFacts(2, "B", conversions={"campaign=Spring": (2, 10)}),
    ]
    result = plan(_leads(20, campaign="Spring"), reps, doc.distribution, today=TODAY)
    # the floor is ⌊0.4 × 20⌋ = 8: one lead moves from A to B, the last of A's
    assert _counts(result) == {1: 12, 2: 8}
    moved = [a for a in result.assignments if a.explanation.reason.startswith("fairness floor")]
    assert [(a.lead_id, a.rep_id) for a in moved] == [(20, 2)]


def test_performance_weighted_exploration_budget_goes_in_even_turns():
    doc = _doc(
        "  strategy: performance_weighted\n  seed: 3\n"
        "  performance: {similarity: [campaign], prior_strength: 0, exploration: 0.5}\n"
    )
    reps = [
        RepFacts(1, "A", conversions={"campaign=X": (10, 10)}),
        RepFacts(2, "B", conversions={"campaign=X": (0, 10)}),
    ]
    result = plan(_leads(10, campaign="X"), reps, doc.distribution, today=TODAY)
    explore = [a for a in result.assignments if a.explanation.reason.startswith("exploration")]
    # 5 exploration leads in even turns (3 and 2); B's weight is 0, so the other 5 go to A
    assert len(explore) == 5
    assert sorted(Counter(a.rep_id for a in explore).values()) == [2, 3]
    assert _counts(result)[1] == 5 + Counter(a.rep_id for a in explore)[1]


def test_performance_weighted_with_no_history_is_even():
    doc = _doc("  strategy: performance_weighted\n")
    reps = [RepFacts(1, "A"), RepFacts(2, "B")]
    result = plan(_leads(10), reps, doc.distribution, today=TODAY)
    assert _counts(result) == {1: 5, 2: 5}


def test_chain_levels_then_capacity_then_round_robin():
    # given level targets 2, capacity 4 and a chain; 9 leads for 2 reps
    doc = _doc(
        "  strategy: [level_based, capacity_based, round_robin]\n"
        "  levels:\n    senior: {target_leads: 2}\n  capacity: {default_capacity: 4}\n"
    )
    reps = [RepFacts(1, "A", level="senior"), RepFacts(2, "B", level="senior")]
    result = plan(_leads(9), reps, doc.distribution, today=TODAY)
    # levels place 4, capacity-based the next 4 (up to 4 each), nothing is left for round robin
    strategies = Counter(a.strategy for a in result.assignments)
    assert strategies == {"level_based": 4, "capacity_based": 4}
    assert _counts(result) == {1: 4, 2: 4}
    assert result.unassigned == (9,)


def test_same_seed_same_plan_and_other_seed_breaks_ties_otherwise():
    reps = [RepFacts(i, f"R{i}") for i in range(1, 8)]
    leads = _leads(3)
    a = plan(leads, reps, _doc("  strategy: capacity_based\n  seed: 11\n").distribution, today=TODAY)
    b = plan(leads, reps, _doc("  strategy: capacity_based\n  seed: 11\n").distribution, today=TODAY)
    assert [(x.lead_id, x.rep_id) for x in a.assignments] == [(x.lead_id, x.rep_id) for x in b.assignments]
    seen = {
        tuple(
            x.rep_id
            for x in plan(
                leads, reps, _doc(f"  strategy: capacity_based\n  seed: {s}\n").distribution, today=TODAY
            ).assignments
        )
        for s in range(10)
    }
    assert len(seen) > 1
    assert a.assignments[0].explanation.seed == 11


def test_routing_to_account_owner_first():
    doc = _doc("  strategy: round_robin\n  routing: {account_owner: true}\n")
    reps = [RepFacts(1, "A"), RepFacts(2, "B")]
    leads = [
        LeadFacts(1, TODAY, account_owner_id=2),
        LeadFacts(2, TODAY, account_owner_id=99),
        LeadFacts(3, TODAY),
    ]
    result = plan(leads, reps, doc.distribution, today=TODAY)
    assert [(a.lead_id, a.rep_id, a.strategy) for a in result.assignments] == [
        (1, 2, "routing"),
        (2, 1, "round_robin"),
        (3, 2, "round_robin"),
    ]


def test_explanation_names_filters_candidates_ineligible_and_seed():
    doc = _doc("  strategy: capacity_based\n  seed: 5\n", "  statuses: [New]\n")
    reps = [RepFacts(1, "A"), RepFacts(2, "B"), RepFacts(3, "C", active=False)]
    result = distribute(_leads(1, status="New"), reps, doc, today=TODAY)
    exp = result.assignments[0].explanation.as_dict()
    assert exp["filters_passed"] == ["owner", "status", "do_not_call"]
    assert exp["eligible"] == 2
    assert exp["ineligible"] == {"inactive": [3]}
    assert [c["rep_id"] for c in exp["runners_up"]] == [({1, 2} - {result.assignments[0].rep_id}).pop()]
    assert exp["seed"] == 5
    assert exp["reason"].startswith("fewest leads this run")


def test_not_a_working_day_is_ineligible():
    doc = _doc("  strategy: round_robin\n")
    reps = [RepFacts(1, "A", working_days=frozenset({1, 2})), RepFacts(2, "B")]
    result = plan(_leads(2), reps, doc.distribution, today=TODAY)
    assert _counts(result) == {2: 2}
    assert result.ineligible_reps == {"not a working day": (1,)}


def test_force_round_robin_replaces_the_chain():
    doc = _doc("  strategy: level_based\n  levels:\n    senior: {target_leads: 0}\n")
    reps = [RepFacts(1, "A", level="senior"), RepFacts(2, "B", level="senior")]
    assert plan(_leads(2), reps, doc.distribution, today=TODAY).unassigned == (1, 2)
    forced = distribute(_leads(2), reps, doc, today=TODAY, force_round_robin=True)
    assert [a.rep_id for a in forced.assignments] == [1, 2]
    assert forced.strategies == ("round_robin",)


def test_target_campaign_filters_leads_and_inactive_campaign_distributes_nothing():
    text = "campaign: {name: T, target_campaign: Spring}\ndistribution: {strategy: round_robin}\n"
    reps = [RepFacts(1, "A")]
    leads = [LeadFacts(1, TODAY, campaign="Spring"), LeadFacts(2, TODAY, campaign="Fall")]
    result = distribute(leads, reps, load_text(text, env={}), today=TODAY)
    assert [(a.lead_id, a.rep_id) for a in result.assignments] == [(1, 1)]
    assert [(e.lead_id, e.reason) for e in result.excluded] == [(2, "campaign")]
    inactive = distribute(
        leads, reps, load_text(text.replace("Spring}", "Spring, active: false}"), env={}), today=TODAY
    )
    assert inactive.assignments == ()
    assert [e.reason for e in inactive.excluded] == ["campaign_inactive", "campaign_inactive"]
