"""Selectors: reporting periods, dashboard figures, opportunity sorting and token scoping."""

import datetime as dt
from decimal import Decimal

import pytest

from revops import charts
from revops.selectors.dashboard import dashboard_get
from revops.selectors.opportunities import clean_sort, opportunity_list, sort_columns
from revops.selectors.periods import DateRange, organization_today, period_range
from revops.selectors.tokens import token_list
from revops.services.tokens import api_token_create
from tests.revops.factories import OpportunityFactory, OrganizationFactory


@pytest.mark.parametrize(
    ("_case", "period", "expected"),
    [
        ("quarter", "this_quarter", DateRange(dt.date(2026, 4, 1), dt.date(2026, 6, 30))),
        ("previous quarter", "last_quarter", DateRange(dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
        ("fiscal year", "this_fiscal_year", DateRange(dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        ("12 months", "last_12_months", DateRange(dt.date(2025, 6, 1), dt.date(2026, 5, 10))),
        ("all", "all", DateRange(None, None)),
    ],
)
def test_period_ranges_calendar_fiscal_year(_case, period, expected):
    # given
    organization = OrganizationFactory.build(fiscal_year_start_month=1)
    # when
    result = period_range(organization, period, dt.date(2026, 5, 10))
    # then
    assert result == expected


@pytest.mark.parametrize(
    ("_case", "today", "period", "expected"),
    [
        (
            "Q1 of FY starting April",
            dt.date(2026, 5, 10),
            "this_quarter",
            (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        ),
        (
            "quarter before crosses the year",
            dt.date(2026, 5, 10),
            "last_quarter",
            (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ),
        (
            "fiscal year from April",
            dt.date(2026, 5, 10),
            "this_fiscal_year",
            (dt.date(2026, 4, 1), dt.date(2027, 3, 31)),
        ),
        (
            "February is in the FY that began last April",
            dt.date(2026, 2, 2),
            "this_fiscal_year",
            (dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
        ),
        ("Q4 of that year", dt.date(2026, 2, 2), "this_quarter", (dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
    ],
)
def test_period_ranges_follow_the_fiscal_year_start(_case, today, period, expected):
    # given
    organization = OrganizationFactory.build(fiscal_year_start_month=4)
    # when
    result = period_range(organization, period, today)
    # then
    assert (result.start, result.end) == expected


def test_today_follows_the_organization_time_zone():
    # given
    now = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    # when / then
    assert organization_today(OrganizationFactory.build(time_zone="Asia/Tokyo"), now) == dt.date(2026, 4, 1)
    assert organization_today(OrganizationFactory.build(time_zone="America/New_York"), now) == dt.date(
        2026, 3, 31
    )
    assert organization_today(OrganizationFactory.build(time_zone="Not/AZone"), now) == dt.date(2026, 3, 31)


@pytest.mark.django_db
def test_dashboard_uses_fiscal_quarters(admin, rep):
    # given
    org = admin.organization
    org.fiscal_year_start_month = 2
    org.save()

    def won(amount, created, closed):
        OpportunityFactory(
            organization=org,
            owner=rep.user,
            stage="closed_won",
            amount=Decimal(amount),
            created_date=created,
            expected_close_date=closed,
            close_date=closed,
        )

    won("100.00", dt.date(2026, 1, 1), dt.date(2026, 1, 31))  # fiscal Q4 of the year before
    won("200.00", dt.date(2026, 2, 1), dt.date(2026, 2, 11))  # fiscal Q1, 10 days
    won("300.00", dt.date(2026, 3, 1), dt.date(2026, 4, 30))  # fiscal Q1, 60 days
    # when
    dashboard = dashboard_get(membership=admin, period="this_quarter", today=dt.date(2026, 4, 30))
    # then
    assert dashboard.this_quarter == DateRange(dt.date(2026, 2, 1), dt.date(2026, 4, 30))
    assert (dashboard.kpis.won_this_quarter, dashboard.kpis.won_last_quarter) == (
        Decimal("500.00"),
        Decimal("100.00"),
    )
    assert dashboard.kpis.won_change_pct == Decimal("400.0")
    assert dashboard.kpis.avg_cycle_days == Decimal("35.0")
    assert [(m.month, m.amount) for m in dashboard.months] == [
        (dt.date(2026, 2, 1), Decimal("200.00")),
        (dt.date(2026, 3, 1), Decimal("0.00")),
        (dt.date(2026, 4, 1), Decimal("300.00")),
    ]


def test_clean_sort_accepts_only_whitelisted_keys():
    # when / then
    assert clean_sort("amount") == "amount"
    assert clean_sort("-close") == "-close"
    assert clean_sort("owner__password") == "-created"
    assert clean_sort("--amount") == "-created"
    assert clean_sort(None) == "-created"


def test_sort_columns_toggle_direction():
    # when
    columns = {c.key: (c.next_sort, c.direction) for c in sort_columns("-amount")}
    # then
    assert columns["amount"] == ("amount", "desc")
    assert columns["name"] == ("name", "")
    assert {c.key: (c.next_sort, c.direction) for c in sort_columns("name")}["name"] == ("-name", "asc")


@pytest.mark.django_db
def test_opportunity_list_is_scoped_before_filtering(rep, rep_opportunity, other_rep_opportunity):
    # when
    _filterset, qs = opportunity_list(membership=rep, filters={"q": "deal"}, sort="name")
    # then
    assert list(qs) == [rep_opportunity]


@pytest.mark.django_db
def test_token_list_scopes_by_capability(org, rep, admin, other_org_admin):
    # given
    mine, _ = api_token_create(organization=org, user=rep.user, name="Mine", acting_user=rep.user)
    admins, _ = api_token_create(organization=org, user=admin.user, name="Admin's", acting_user=admin.user)
    # when / then
    assert list(token_list(membership=rep)) == [mine]
    assert set(token_list(membership=admin)) == {mine, admins}
    assert list(token_list(membership=other_org_admin)) == []


def test_charts_are_empty_without_data_and_fragments_otherwise():
    # given
    from revops.selectors.dashboard import MonthTotal, StageTotal

    # when
    empty_funnel = charts.pipeline_funnel([StageTotal("proposal", "Proposal", 0, Decimal("0"))])
    funnel = charts.pipeline_funnel([StageTotal("proposal", "Proposal", 2, Decimal("5.00"))])
    line = charts.won_revenue_line(
        [MonthTotal(dt.date(2026, 1, 1), 1, Decimal("5.00"))], today=dt.date(2026, 1, 31)
    )
    # then
    assert empty_funnel == ""
    for fragment in (funnel, line):
        assert fragment.count("data-plotly-figure=") == 1
        assert "<script" not in fragment
        assert "<html" not in fragment
        assert "cdn" not in fragment.lower()
