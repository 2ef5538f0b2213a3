"""Dashboard selector: which deals each figure counts, at the edges of its dates."""

import datetime as dt
from decimal import Decimal

import pytest

from revops.selectors.dashboard import DayTotal, dashboard_day_totals, dashboard_get, dashboard_opportunities
from revops.selectors.periods import DateRange
from tests.revops.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 15)  # calendar Q2: 1 Apr - 30 Jun; last 12 months: 1 Jun 2025 - today


def _deal(org, owner, *, stage, amount, created, closed=None):
    return OpportunityFactory(
        organization=org,
        owner=owner,
        stage=stage,
        amount=Decimal(amount),
        created_date=created,
        expected_close_date=closed or created,
        close_date=closed,
    )


def test_deal_won_after_today_counts_for_the_quarter_not_for_the_last_12_months(admin, rep):
    # given
    org = admin.organization
    _deal(org, rep.user, stage="closed_won", amount="700.00", created=TODAY, closed=dt.date(2026, 6, 10))
    _deal(org, rep.user, stage="closed_won", amount="300.00", created=dt.date(2026, 4, 1), closed=TODAY)
    # when
    dashboard = dashboard_get(membership=admin, period="last_12_months", today=TODAY)
    # then
    assert (dashboard.kpis.won_this_quarter, dashboard.kpis.won_amount, dashboard.kpis.won_count) == (
        Decimal("1000.00"),
        Decimal("300.00"),
        1,
    )
    assert dashboard.kpis.avg_cycle_days == Decimal("44.0")  # 1 Apr -> 15 May
    assert [(m.month, m.count, m.amount) for m in dashboard.months[-2:]] == [
        (dt.date(2026, 4, 1), 0, Decimal("0.00")),
        (dt.date(2026, 5, 1), 1, Decimal("300.00")),
    ]
    assert dashboard.stages[-1].amount == Decimal("300.00")


def test_open_deal_counts_as_pipeline_whatever_its_close_date(admin, rep):
    # given: an open deal whose close date lies years before the period
    org = admin.organization
    _deal(
        org,
        rep.user,
        stage="negotiation",
        amount="250.00",
        created=dt.date(2020, 1, 1),
        closed=dt.date(2020, 2, 1),
    )
    _deal(org, rep.user, stage="negotiation", amount="50.00", created=TODAY)
    # when
    dashboard = dashboard_get(membership=admin, period="this_quarter", today=TODAY)
    # then
    assert (dashboard.kpis.open_pipeline, dashboard.kpis.open_count) == (Decimal("300.00"), 2)
    negotiation = next(s for s in dashboard.stages if s.stage == "negotiation")
    assert (negotiation.count, negotiation.amount) == (2, Decimal("300.00"))


def test_quarters_outside_the_period_are_still_compared(admin, rep):
    # given: last quarter (Q1) lies outside "this quarter", yet the KPI compares with it
    org = admin.organization
    _deal(
        org,
        rep.user,
        stage="closed_won",
        amount="100.00",
        created=dt.date(2026, 1, 5),
        closed=dt.date(2026, 3, 31),
    )
    _deal(
        org,
        rep.user,
        stage="closed_won",
        amount="150.00",
        created=dt.date(2026, 3, 31),
        closed=dt.date(2026, 4, 1),
    )
    _deal(
        org,
        rep.user,
        stage="closed_lost",
        amount="90.00",
        created=dt.date(2026, 1, 5),
        closed=dt.date(2026, 3, 30),
    )
    # when
    kpis = dashboard_get(membership=admin, period="this_quarter", today=TODAY).kpis
    # then
    assert (kpis.won_this_quarter, kpis.won_last_quarter, kpis.won_change_pct) == (
        Decimal("150.00"),
        Decimal("100.00"),
        Decimal("50.0"),
    )
    assert (kpis.won_count, kpis.lost_count, kpis.win_rate_pct, kpis.avg_cycle_days) == (
        1,
        0,
        Decimal("100.0"),
        Decimal("1.0"),
    )


def test_day_totals_group_by_stage_and_close_date_within_the_window(admin, rep, other_rep):
    # given
    org = admin.organization
    day = dt.date(2026, 5, 2)
    _deal(org, rep.user, stage="closed_won", amount="10.00", created=dt.date(2026, 5, 1), closed=day)
    _deal(org, rep.user, stage="closed_won", amount="20.50", created=dt.date(2026, 4, 2), closed=day)
    _deal(org, rep.user, stage="closed_lost", amount="5.00", created=dt.date(2026, 4, 1), closed=day)
    _deal(
        org,
        rep.user,
        stage="closed_won",
        amount="99.00",
        created=dt.date(2026, 1, 1),
        closed=dt.date(2026, 3, 31),
    )
    _deal(org, rep.user, stage="proposal", amount="40.00", created=dt.date(2026, 5, 1))
    _deal(org, other_rep.user, stage="closed_won", amount="77.00", created=day, closed=day)  # not the rep's
    # when
    days = dashboard_day_totals(
        dashboard_opportunities(rep), DateRange(dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    )
    # then
    assert sorted(days, key=lambda d: d.stage) == [
        DayTotal(stage="closed_lost", close_date=day, count=1, amount=Decimal("5.00"), cycle_days=31),
        DayTotal(stage="closed_won", close_date=day, count=2, amount=Decimal("30.50"), cycle_days=31),
        DayTotal(stage="proposal", close_date=None, count=1, amount=Decimal("40.00"), cycle_days=None),
    ]
