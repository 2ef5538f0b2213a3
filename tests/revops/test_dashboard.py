"""Home dashboard: KPI figures, scoping, the HTMX partial, charts and a constant query count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revops.selectors.dashboard import AccountTotal, Kpis
from revops.selectors.periods import add_months
from tests.revops.factories import AccountFactory, OpportunityFactory, OrganizationFactory, ProductLineFactory
from tests.revops.test_charts import _drawn

pytestmark = pytest.mark.django_db

URL = reverse("revops:home")
DASHBOARD_QUERY_BUDGET = 7  # session, user, membership, 2 aggregates, switcher, product lines


def _today() -> dt.date:
    # The factories' organization is in UTC.
    return dt.datetime.now(dt.UTC).date()


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _deal(org, owner, *, stage, amount, created, closed=None, account=None, product_line=None):
    return OpportunityFactory(
        organization=org,
        owner=owner,
        account=account or AccountFactory(organization=org),
        stage=stage,
        amount=Decimal(amount),
        created_date=created,
        expected_close_date=closed or created + dt.timedelta(days=90),
        close_date=closed,
        product_line=product_line,
    )


@pytest.fixture
def dashboard_data(org, rep, other_rep):
    """Deals of the manager's rep (visible) and of a rep outside the team (invisible)."""
    today = _today()
    last_quarter_day = _quarter_start(today) - dt.timedelta(days=1)
    won_account = AccountFactory(organization=org, name="Initech")
    old_account = AccountFactory(organization=org, name="Umbrella")
    user = rep.user
    _deal(org, user, stage="proposal", amount="50000.00", created=today - dt.timedelta(days=30))
    _deal(org, user, stage="prospecting", amount="20000.00", created=today - dt.timedelta(days=5))
    _deal(
        org,
        user,
        stage="closed_won",
        amount="30000.00",
        created=today - dt.timedelta(days=40),
        closed=today,
        account=won_account,
    )
    _deal(
        org,
        user,
        stage="closed_won",
        amount="10000.00",
        created=last_quarter_day - dt.timedelta(days=20),
        closed=last_quarter_day,
        account=old_account,
    )
    _deal(
        org, user, stage="closed_lost", amount="5000.00", created=today - dt.timedelta(days=60), closed=today
    )
    # Won long ago: outside the last 12 months and both quarters.
    _deal(
        org,
        user,
        stage="closed_won",
        amount="99999.00",
        created=today - dt.timedelta(days=410),
        closed=today - dt.timedelta(days=400),
        account=old_account,
    )
    # Outside the manager's team: never counted.
    _deal(org, other_rep.user, stage="closed_won", amount="77777.00", created=today, closed=today)
    _deal(org, other_rep.user, stage="negotiation", amount="66666.00", created=today)
    return won_account, old_account


def test_dashboard_shows_kpis_of_the_managers_team(manager, dashboard_data, client_for):
    # given
    won_account, old_account = dashboard_data
    # when
    response = client_for(manager).get(URL)
    # then
    assert response.status_code == 200
    assert response.context["kpis"] == Kpis(
        open_pipeline=Decimal("70000.00"),
        open_count=2,
        won_this_quarter=Decimal("30000.00"),
        won_last_quarter=Decimal("10000.00"),
        won_change_pct=Decimal("200.0"),  # (30000 - 10000) / 10000
        won_amount=Decimal("40000.00"),
        won_count=2,
        lost_count=1,
        win_rate_pct=Decimal("66.7"),  # 2 won of 3 closed
        avg_cycle_days=Decimal("30.0"),  # (40 + 20) / 2
    )
    assert response.context["dashboard"].top_accounts == [
        AccountTotal(account_id=won_account.pk, name="Initech", deals=1, amount=Decimal("30000.00")),
        AccountTotal(account_id=old_account.pk, name="Umbrella", deals=1, amount=Decimal("10000.00")),
    ]
    html = response.content.decode()
    assert "70,000.00" in html
    assert "66.7%" in html
    assert "30.0 days" in html
    assert "77,777" not in html
    assert "plotly/plotly.min.js" in html
    assert html.count('class="plotly-graph-div"') == 2


def test_dashboard_pipeline_by_stage(manager, dashboard_data, client_for):
    # when
    response = client_for(manager).get(URL)
    # then
    stages = [(s.stage, s.count, s.amount) for s in response.context["dashboard"].stages]
    assert stages == [
        ("prospecting", 1, Decimal("20000.00")),
        ("qualification", 0, Decimal("0.00")),
        ("proposal", 1, Decimal("50000.00")),
        ("negotiation", 0, Decimal("0.00")),
        ("closed_won", 2, Decimal("40000.00")),
    ]


def test_dashboard_won_revenue_per_month_covers_the_period(manager, dashboard_data, client_for):
    # given
    today = _today()
    last_quarter_day = _quarter_start(today) - dt.timedelta(days=1)
    # when
    response = client_for(manager).get(URL)
    # then
    months = response.context["dashboard"].months
    assert len(months) == 12
    assert months[-1].month == today.replace(day=1)
    by_month = {m.month: m.amount for m in months if m.amount}
    assert by_month == {
        today.replace(day=1): Decimal("30000.00"),
        last_quarter_day.replace(day=1): Decimal("10000.00"),
    }


@pytest.mark.parametrize("period", ["all", "this_fiscal_year"])
def test_dashboard_won_revenue_chart_ends_at_the_current_month(manager, rep, period, client_for):
    # given: a deal won long ago and one marked won with a close date after this month
    today = _today()
    org = manager.organization
    next_month = add_months(today, 1)
    _deal(org, rep.user, stage="closed_won", amount="1000.00", created=add_months(today, -3), closed=today)
    _deal(
        org,
        rep.user,
        stage="closed_won",
        amount="2000.00",
        created=today,
        closed=next_month + dt.timedelta(days=3),
    )
    # when
    response = client_for(manager).get(URL, {"period": period})
    # then
    months = response.context["dashboard"].months
    assert months[-1].month == today.replace(day=1)
    _div_id, data, layout, _config = _drawn(response.context["revenue_chart"])
    assert max(data[0]["x"]) == today.replace(day=1).isoformat()
    assert layout["xaxis"]["range"][1] < next_month.isoformat()


def test_dashboard_all_time_and_product_line_filters(org, manager, rep, client_for):
    # given
    today = _today()
    analytics = ProductLineFactory(organization=org, name="Analytics")
    platform = ProductLineFactory(organization=org, name="Platform")
    created = today - dt.timedelta(days=500)
    closed = today - dt.timedelta(days=450)
    _deal(
        org,
        rep.user,
        stage="closed_won",
        amount="1000.00",
        created=created,
        closed=closed,
        product_line=analytics,
    )
    _deal(
        org,
        rep.user,
        stage="closed_lost",
        amount="2000.00",
        created=created,
        closed=closed,
        product_line=platform,
    )
    _deal(
        org,
        rep.user,
        stage="closed_lost",
        amount="3000.00",
        created=created,
        closed=closed,
        product_line=analytics,
    )
    client = client_for(manager)
    # when
    everything = client.get(URL, {"period": "all"}).context["kpis"]
    analytics_only = client.get(URL, {"period": "all", "product_line": analytics.pk}).context["kpis"]
    last_12_months = client.get(URL).context["kpis"]
    # then
    assert (everything.won_count, everything.lost_count, everything.win_rate_pct) == (1, 2, Decimal("33.3"))
    assert (analytics_only.won_count, analytics_only.lost_count, analytics_only.win_rate_pct) == (
        1,
        1,
        Decimal("50.0"),
    )
    assert (last_12_months.won_count, last_12_months.lost_count, last_12_months.win_rate_pct) == (0, 0, None)


def test_htmx_filter_request_returns_only_the_partial(manager, dashboard_data, client_for):
    # when
    response = client_for(manager).get(URL, {"period": "all"}, HTTP_HX_REQUEST="true")
    # then
    assert response.status_code == 200
    templates = [t.name for t in response.templates]
    assert templates[0] == "revops/partials/dashboard_body.html"
    assert "revops/home.html" not in templates
    assert "base.html" not in templates
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="kpi-open-pipeline"' in html
    # The chart fragments carry their figures as data; static/js/charts.js draws them after the swap.
    assert html.count("data-plotly-figure=") == 2
    assert "<script" not in html
    assert response.context["kpis"].won_count == 3  # all time adds the deal won 400 days ago


def test_dashboard_renders_with_no_data(manager, client_for):
    # when
    response = client_for(manager).get(URL)
    # then
    assert response.status_code == 200
    kpis = response.context["kpis"]
    assert kpis == Kpis(
        open_pipeline=Decimal("0.00"),
        open_count=0,
        won_this_quarter=Decimal("0.00"),
        won_last_quarter=Decimal("0.00"),
        won_change_pct=None,
        won_amount=Decimal("0.00"),
        won_count=0,
        lost_count=0,
        win_rate_pct=None,
        avg_cycle_days=None,
    )
    html = response.content.decode()
    assert "No pipeline yet." in html
    assert "Nothing won in this period." in html


def test_dashboard_ignores_invalid_filters(manager, dashboard_data, client_for):
    # when
    response = client_for(manager).get(URL, {"period": "bogus", "product_line": "abc"})
    # then
    assert response.status_code == 200
    assert response.context["kpis"].won_count == 2  # the default period: last 12 months


def test_dashboard_product_line_of_another_org_is_ignored(manager, dashboard_data, client_for):
    # given
    foreign_line = ProductLineFactory(organization=OrganizationFactory(slug="initrode"))
    # when
    response = client_for(manager).get(URL, {"product_line": foreign_line.pk})
    # then
    assert response.status_code == 200
    assert response.context["kpis"].open_pipeline == Decimal("70000.00")


def _make_deals(org, owner, n):
    today = _today()
    for i in range(n):
        stage = ("prospecting", "proposal", "closed_won", "closed_lost")[i % 4]
        closed = today - dt.timedelta(days=i % 200) if stage.startswith("closed") else None
        created = (closed or today) - dt.timedelta(days=30)
        _deal(org, owner, stage=stage, amount=f"{1000 + i}.00", created=created, closed=closed)


@pytest.mark.parametrize("n", [5, 50])
def test_dashboard_query_count_does_not_grow_with_rows(
    org, manager, rep, client_for, django_assert_num_queries, n
):
    # given
    _make_deals(org, rep.user, n)
    client = client_for(manager)
    client.get(URL)  # warm the session
    # when / then
    with django_assert_num_queries(DASHBOARD_QUERY_BUDGET):
        response = client.get(URL, {"period": "all"})
    assert response.status_code == 200
    assert response.context["kpis"].open_count == (n + 3) // 4 + (n + 2) // 4


def test_dashboard_same_queries_for_5_and_50_opportunities(org, manager, rep, client_for):
    # given
    client = client_for(manager)
    counts = []
    for n in (5, 45):  # 5, then 50 in total
        _make_deals(org, rep.user, n)
        client.get(URL)
        # when
        with CaptureQueriesContext(connection) as ctx:
            client.get(URL, {"period": "this_fiscal_year"}, HTTP_HX_REQUEST="true")
        counts.append(len(ctx.captured_queries))
    # then
    assert counts[0] == counts[1]


def test_rep_dashboard_counts_only_own_deals(rep, other_rep, dashboard_data, client_for):
    # when
    kpis = client_for(other_rep).get(URL).context["kpis"]
    # then
    assert (kpis.open_pipeline, kpis.won_this_quarter, kpis.won_count) == (
        Decimal("66666.00"),
        Decimal("77777.00"),
        1,
    )


def test_partner_user_is_sent_from_the_dashboard_to_the_portal(partner_user, client_for):
    # when
    response = client_for(partner_user).get(URL)
    # then: partner users work in the portal
    assert (response.status_code, response["Location"]) == (302, "/portal/")


def test_anonymous_is_sent_to_login(db, client):
    # when
    response = client.get(URL)
    # then
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=/"
