"""Partner recommendations: deterministic scores and reasons from plain deal records."""

from decimal import Decimal

from attribution.recommendations import DealRecord, RecommendationTarget, recommend_partners, rephrase

TARGET = RecommendationTarget(product_line="Analytics", industry="Retail", region="emea", region_label="EMEA")


def _record(partner_id, name, deal_id, won, line="Analytics", industry="Retail", region="emea"):
    return DealRecord(partner_id, name, deal_id, won, line, industry, region)


def test_partners_are_ranked_by_wins_on_similar_deals_with_reasons():
    # given: Alpha won 7 of 9 Analytics deals in EMEA; Beta won 1 Analytics deal in APAC
    history = [_record(1, "Alpha", i, i < 7, industry="Banking") for i in range(9)]
    history.append(_record(2, "Beta", 100, True, region="apac", industry="Banking"))
    # when
    ranked = recommend_partners(TARGET, history, min_similar=1)
    # then: Alpha 3×7 + 2×7 + 1×7 + 7/9 = 42.78; Beta 2×1 + 1 = 3.00
    assert [(r.partner_name, r.score) for r in ranked] == [
        ("Alpha", Decimal("42.78")),
        ("Beta", Decimal("3.00")),
    ]
    assert ranked[0].reasons == (
        "won 7 of 9 Analytics deals in EMEA",
        "won 7 of 9 Analytics deals",
        "won 7 of 9 deals in EMEA",
        "wins 78 % of its closed deals (7 of 9)",
    )
    assert ranked[1].reasons == ("won 1 of 1 Analytics deals", "wins 100 % of its closed deals (1 of 1)")


def test_partners_on_the_deal_and_partners_with_nothing_similar_are_left_out():
    # given
    target = RecommendationTarget(
        product_line="Analytics", industry="Retail", region="emea", exclude_partner_ids=frozenset({1})
    )
    history = [
        _record(1, "Alpha", 1, True),
        _record(3, "Gamma", 2, True, line="Platform", industry="Banking", region="na"),
    ]
    # when
    ranked = recommend_partners(target, history)
    # then
    assert ranked == []


def test_a_partner_needs_enough_similar_deals_and_a_win_among_them():
    # given: Alpha won 2 of 2 similar deals, Beta lost 3 of 3, Gamma won 1 of 3 (and 5 unlike ones)
    history = [_record(1, "Alpha", i, True) for i in (1, 2)]
    history += [_record(2, "Beta", i, False) for i in (3, 4, 5)]
    history += [_record(3, "Gamma", i, i == 6) for i in (6, 7, 8)]
    history += [
        _record(3, "Gamma", i, True, line="Platform", industry="Banking", region="na") for i in range(9, 14)
    ]
    # when
    ranked = recommend_partners(TARGET, history)
    # then: only Gamma has three similar deals with a win; its other five deals count in its rate
    assert [r.partner_name for r in ranked] == ["Gamma"]
    assert ranked[0].reasons[0] == "won 1 of 3 Analytics deals in EMEA"
    assert ranked[0].reasons[-1] == "wins 75 % of its closed deals (6 of 8)"
    assert [r.partner_name for r in recommend_partners(TARGET, history, min_similar=2)] == ["Alpha", "Gamma"]


def test_a_partner_with_two_roles_on_one_deal_counts_the_deal_once():
    # given
    history = [_record(1, "Alpha", 1, True), _record(1, "Alpha", 1, True)]
    # when
    ranked = recommend_partners(TARGET, history, min_similar=1)
    # then
    assert ranked[0].reasons[0] == "won 1 of 1 Analytics deals in EMEA"


def test_ties_are_broken_by_name_and_limit_applies():
    # given
    history = [_record(pid, name, pid, True) for pid, name in ((1, "Zeta"), (2, "Beta"), (3, "Alpha"))]
    # when
    ranked = recommend_partners(TARGET, history, limit=2, min_similar=1)
    # then
    assert [r.partner_name for r in ranked] == ["Alpha", "Beta"]


def test_rephrase_keeps_the_deterministic_text_unless_the_rewording_keeps_every_number():
    # given
    ranked = recommend_partners(TARGET, [_record(1, "Alpha", 1, True)], min_similar=1)
    original = "Alpha: won 1 of 1 Analytics deals in EMEA; won 1 of 1 Analytics deals; won 1 of 1 deals with Retail accounts; won 1 of 1 deals in EMEA; wins 100 % of its closed deals (1 of 1)."
    # when
    without = rephrase(ranked, None)
    dropped = rephrase(ranked, lambda text: "Alpha is great.")
    kept = rephrase(ranked, lambda text: "Alpha: " + text.removeprefix("Alpha: ").upper())
    # then
    assert [t for _r, t in without] == [original]
    assert [t for _r, t in dropped] == [original]
    assert [t for _r, t in kept] == ["Alpha: " + original.removeprefix("Alpha: ").upper()]
