"""Expected commission on open pipeline: each open deal × its win probability × what it would earn
through the rep's plan (tiers included), labelled with where the probability came from."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from commissions.engine import (
    Assignment,
    ObjectivePeriod,
    OpenDeal,
    PlanTerms,
    Semantics,
    Transaction,
    compute_commissions,
    expected_commissions,
    month_index,
    transactions_frame,
)
from revops.providers import STAGE_WIN_RATE_SOURCE, WinProbability, provider_override
from tests.revops.factories import OpportunityFactory

JAN = dt.date(2026, 1, 1)
MID_MARCH = dt.date(2026, 3, 15)


def _lines(semantics: Semantics, tier1: str, tier2: str):
    terms = PlanTerms(1, 1, Decimal(tier1), Decimal(tier2), semantics, ObjectivePeriod.MONTH)
    return compute_commissions(
        transactions=transactions_frame([Transaction(1, 7, 10, dt.date(2026, 1, 9), Decimal("8000"))]),
        assignments=[Assignment(7, 10, terms, JAN)],
        objectives={(7, 10, month_index(JAN)): Decimal("10000")},
        months=[JAN],
    )


def _deal(amount: str, probability: str, line: int | None = 10) -> OpenDeal:
    return OpenDeal(1, 7, line, JAN, Decimal(amount), Decimal(probability), "test")


def test_a_deal_crossing_the_objective_earns_tier_2_above_it_under_marginal():
    # given: 8,000 booked of a 10,000 objective, 5 % then 8 %
    lines = _lines(Semantics.MARGINAL, "5", "8")
    # when: a 5,000 deal at 25 %
    (priced,) = expected_commissions(deals=[_deal("5000", "0.25")], lines=lines)
    # then: 2,000 × 5 % + 3,000 × 8 % = 340 if won; × 0.25 = 85
    assert (priced.if_won, priced.expected, priced.tier_if_won) == (Decimal("340.00"), Decimal("85.00"), 2)
    assert priced.rate_note == "5% to the objective, 8% above (marginal)"


def test_a_deal_crossing_the_objective_lifts_the_whole_window_under_retroactive():
    # given: 8,000 booked of 10,000, 4 % then 6 % on everything once reached
    lines = _lines(Semantics.RETROACTIVE, "4", "6")
    # when
    (priced,) = expected_commissions(deals=[_deal("5000", "0.5")], lines=lines)
    # then: 13,000 × 6 % − 8,000 × 4 % = 780 − 320 = 460 if won (the true-up included); × 0.5
    assert (priced.if_won, priced.expected, priced.tier_if_won) == (Decimal("460.00"), Decimal("230.00"), 2)


def test_a_deal_below_the_objective_earns_tier_1_and_a_deal_without_a_plan_nothing():
    # given
    lines = _lines(Semantics.MARGINAL, "5", "8")
    # when
    small, unplanned = expected_commissions(
        deals=[_deal("1000.10", "0.3333"), _deal("900", "0.9", line=11)], lines=lines
    )
    # then: 1,000.10 × 5 % = 50.005 → 50.01 if won; × 0.3333 = 16.668333 → 16.67
    assert (small.if_won, small.expected, small.tier_if_won) == (Decimal("50.01"), Decimal("16.67"), 1)
    assert (unplanned.if_won, unplanned.expected) == (None, None)
    assert unplanned.rate_note == "no plan covers this product line and month"


# --- pages ---------------------------------------------------------------------------------------


@pytest.fixture
def mid_march(monkeypatch):
    for module in ("commissions.views.dashboard", "commissions.views.statements"):
        monkeypatch.setattr(f"{module}.organization_today", lambda organization: MID_MARCH)


@pytest.fixture
def deals(org, rep, other_rep, commission_book):
    lines, _plans = commission_book
    return {
        # March: 12,345.67 booked of a 10,000 objective already: 8 % on all of it
        "march": OpportunityFactory(
            organization=org,
            owner=rep.user,
            product_line=lines["P"],
            name="Heliotrope renewal",
            amount=Decimal("1000"),
            expected_close_date=dt.date(2026, 3, 28),
            stage="proposal",
        ),
        # April: no objective set, 5 %
        "april": OpportunityFactory(
            organization=org,
            owner=rep.user,
            product_line=lines["P"],
            name="Juniper expansion",
            amount=Decimal("10000"),
            expected_close_date=dt.date(2026, 4, 10),
            stage="qualification",
        ),
        "won": OpportunityFactory(
            organization=org,
            owner=rep.user,
            product_line=lines["P"],
            name="Closed already",
            amount=Decimal("5000"),
            expected_close_date=dt.date(2026, 2, 10),
            stage="closed_won",
        ),
        "lost": OpportunityFactory(
            organization=org,
            owner=rep.user,
            product_line=lines["P"],
            name="Lost already",
            amount=Decimal("5000"),
            expected_close_date=dt.date(2026, 2, 12),
            stage="closed_lost",
        ),
        "other": OpportunityFactory(
            organization=org,
            owner=other_rep.user,
            product_line=lines["P"],
            name="Marigold deal",
            amount=Decimal("3000"),
            expected_close_date=dt.date(2026, 3, 28),
            stage="proposal",
        ),
    }


@pytest.fixture
def model_provider():
    def provider(organization, ids):
        return {pk: WinProbability(pk, Decimal("0.8000"), "Test model v1") for pk in ids[:1]}

    with provider_override("win_probability", provider):
        yield


@pytest.mark.django_db
def test_the_rep_dashboard_prices_open_deals_with_the_stage_win_rate_labelled(
    org, rep, deals, mid_march, client_for
):
    # when: no model registered; one deal won and one lost, no stage history: every open stage
    # reads the overall win rate, 1 of 2 = 0.5000
    response = client_for(rep).get(reverse("commissions:dashboard"))
    # then
    pipeline = response.context["pipeline"]
    assert [
        (r.name, r.expected.deal.probability, r.expected.deal.source, r.expected.if_won, r.expected.expected)
        for r in pipeline.rows
    ] == [
        ("Juniper expansion", Decimal("0.5000"), STAGE_WIN_RATE_SOURCE, Decimal("500.00"), Decimal("250.00")),
        ("Heliotrope renewal", Decimal("0.5000"), STAGE_WIN_RATE_SOURCE, Decimal("80.00"), Decimal("40.00")),
    ]
    assert (pipeline.deals, pipeline.amount, pipeline.expected) == (2, Decimal("11000.00"), Decimal("290.00"))
    content = response.content.decode()
    assert 'probabilities from: <strong id="expected-sources">stage win rate</strong>' in content
    assert "Marigold" not in content and "Closed already" not in content and "Lost already" not in content


@pytest.mark.django_db
def test_a_registered_model_s_probability_is_used_and_named(
    org, rep, deals, mid_march, model_provider, client_for
):
    # when: the model answers for the first deal asked (the largest), the stage rate for the rest
    response = client_for(rep).get(reverse("commissions:dashboard"))
    # then
    pipeline = response.context["pipeline"]
    assert [(r.expected.deal.source, r.expected.expected) for r in pipeline.rows] == [
        ("Test model v1", Decimal("400.00")),  # 500 × 0.8
        (STAGE_WIN_RATE_SOURCE, Decimal("40.00")),  # 80 × 0.5
    ]
    assert pipeline.sources == ["Test model v1", STAGE_WIN_RATE_SOURCE]


@pytest.mark.django_db
def test_the_statements_page_shows_the_pipeline_of_the_chosen_rep_only(
    org, rep, other_rep, finance_admin, deals, mid_march, client_for
):
    # when: finance picks the other rep; then no rep
    picked = client_for(finance_admin).get(reverse("commissions:statements"), {"rep": other_rep.user_id})
    everyone = client_for(finance_admin).get(reverse("commissions:statements"))
    # then: 3,000 in March on B/P (retroactive 3 % / 5 %, 8,000 objective, 0 booked in March):
    # 3,000 × 3 % = 90 if won
    rows = picked.context["pipeline"].rows
    assert [(r.name, r.expected.if_won) for r in rows] == [("Marigold deal", Decimal("90.00"))]
    assert "Juniper" not in picked.content.decode()
    assert everyone.context["pipeline"] is None
    assert "expected-pipeline" not in everyone.content.decode()


@pytest.mark.django_db
def test_a_rep_cannot_see_another_rep_s_pipeline_through_the_statements_filter(
    org, rep, other_rep, deals, mid_march, client_for
):
    # when: the rep asks for the other rep
    response = client_for(rep).get(reverse("commissions:statements"), {"rep": other_rep.user_id})
    # then: their own pipeline at most, never the other's deal
    content = response.content.decode()
    assert "Marigold" not in content
    assert response.context["pipeline_rep"].user_id == rep.user_id
