"""Partner analytics: figures against hand computation on a small world, filters, access, exports
and a constant number of queries.

The world (organization Acme, every deal the rep's, team East; dates in 2026):

| deal | stage | amount | segment / region | created → closed | links |
|---|---|---:|---|---|---|
| D1 | won | 5,000 | SMB / NA | 1 Jan → 31 Jan (30 d) | Alpha referral 10 % |
| D2 | won | 8,000 | SMB / NA | 1 Jan → 2 Mar (60 d) | Beta SI 5 % |
| D3 | lost | 6,000 | SMB / NA | 1 Jan → 21 Jan (20 d) | none |
| D4 | won | 7,000 | SMB / EMEA | 1 Jan → 10 Feb (40 d) | none |
| D5 | proposal | 20,000 | SMB / NA | expected 15 Dec | Alpha referral, Beta influence |
| D6 | proposal | 3,000 | SMB / NA | expected 15 Dec | Beta influence and Beta SI |

Revenue: D1 5,000 on 1 Feb, D2 8,000 on 3 Mar → Alpha sourced 500.00, Beta influenced 400.00.
Pairs (SMB, the line, under 10k): D1 5,000 takes the nearest D3 6,000; D2 8,000 takes D4 7,000.
Alpha is Gold, Beta Silver; Alpha's health is 80.
Registrations: Alpha R1 approved after 48 h (D1, won), R2 rejected after 24 h, R3 pending;
Beta R4 approved after 10 h (D5, open).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attribution.services.recompute import attribution_recompute
from partners.forms import AnalyticsFilterForm
from partners.models import DealRegistration, PartnerHealth, RegistrationStatus
from partners.selectors.analytics import (
    AnalyticsFilter,
    deal_comparison,
    leaderboard,
    pipeline_split,
    registration_funnel,
    revenue_split,
)
from revops.models import Partner
from revops.selectors.periods import DateRange
from revops.services.periods import periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db

ALL = AnalyticsFilter(dates=DateRange(None, None))
JAN1 = dt.date(2026, 1, 1)


def _deal(org, rep, line, name, stage, amount, *, region="na", closed=None, expected=None):
    account = AccountFactory(
        organization=org, owner=rep.user, segment="smb", region=region, name=f"{name} Co"
    )
    return OpportunityFactory(
        organization=org,
        account=account,
        owner=rep.user,
        name=name,
        stage=stage,
        amount=Decimal(amount),
        product_line=line,
        created_date=JAN1,
        close_date=closed,
        expected_close_date=expected or closed,
    )


def _link(org, deal, partner, role, split=None):
    OpportunityPartnerFactory(
        organization=org,
        opportunity=deal,
        partner=partner,
        role=role,
        split_percent=Decimal(split) if split else None,
    )


def _registration(org, partner, line, status, *, hours=None, deal=None):
    submitted = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    return DealRegistration.objects.create(
        organization=org,
        partner=partner,
        account_name="Registered Co",
        estimated_value=Decimal("5000.00"),
        product_line=line,
        expected_close=dt.date(2026, 6, 30),
        role="referral",
        status=status,
        created_at=submitted,
        decided_at=submitted + dt.timedelta(hours=hours) if hours is not None else None,
        opportunity=deal,
        account=deal.account if deal else None,
        protected_until=dt.date(2026, 4, 5) if status == RegistrationStatus.APPROVED else None,
    )


@pytest.fixture
def world(org, rep, line):
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    alpha = PartnerFactory(organization=org, name="Alpha", tier=Partner.Tier.GOLD)
    beta = PartnerFactory(organization=org, name="Beta", tier=Partner.Tier.SILVER)
    d1 = _deal(org, rep, line, "D1", "closed_won", "5000", closed=dt.date(2026, 1, 31))
    d2 = _deal(org, rep, line, "D2", "closed_won", "8000", closed=dt.date(2026, 3, 2))
    d3 = _deal(org, rep, line, "D3", "closed_lost", "6000", closed=dt.date(2026, 1, 21))
    d4 = _deal(org, rep, line, "D4", "closed_won", "7000", region="emea", closed=dt.date(2026, 2, 10))
    d5 = _deal(org, rep, line, "D5", "proposal", "20000", expected=dt.date(2026, 12, 15))
    d6 = _deal(org, rep, line, "D6", "proposal", "3000", expected=dt.date(2026, 12, 15))
    _link(org, d1, alpha, "referral", "10")
    _link(org, d2, beta, "si", "5")
    _link(org, d5, alpha, "referral")
    _link(org, d5, beta, "influence")
    _link(org, d6, beta, "influence")
    _link(org, d6, beta, "si")
    RevenueEventFactory(organization=org, opportunity=d1, date=dt.date(2026, 2, 1), amount=Decimal("5000.00"))
    RevenueEventFactory(organization=org, opportunity=d2, date=dt.date(2026, 3, 3), amount=Decimal("8000.00"))
    attribution_recompute(organization=org)
    _registration(org, alpha, line, RegistrationStatus.APPROVED, hours=48, deal=d1)
    _registration(org, alpha, line, RegistrationStatus.REJECTED, hours=24)
    _registration(org, alpha, line, RegistrationStatus.SUBMITTED)
    _registration(org, beta, line, RegistrationStatus.APPROVED, hours=10, deal=d5)
    PartnerHealth.objects.create(organization=org, partner=alpha, score=80, components=[], is_latest=True)
    return {"alpha": alpha, "beta": beta, "deals": [d1, d2, d3, d4, d5, d6]}


@pytest.fixture
def globex_world(other_org, other_org_admin):
    """Another organization's partner, credited on its own deal: never seen from Acme."""
    periods_ensure(organization=other_org, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    hidden = PartnerFactory(organization=other_org, name="Globex Hidden Partner", tier=Partner.Tier.GOLD)
    deal = OpportunityFactory(
        organization=other_org, stage="closed_won", amount=Decimal("9000"), close_date=dt.date(2026, 1, 20)
    )
    _link(other_org, deal, hidden, "referral", "50")
    RevenueEventFactory(
        organization=other_org, opportunity=deal, date=dt.date(2026, 2, 1), amount=Decimal("9000")
    )
    attribution_recompute(organization=other_org)
    return hidden


def _money(rows):
    return [(r.name, r.sourced, r.sourced_deals, r.influenced, r.influenced_deals) for r in rows]


def test_revenue_sourced_and_influenced_per_partner_and_overall(admin, world, globex_world):
    # when
    split = revenue_split(membership=admin, filters=ALL)
    # then
    assert _money(split.partners) == [
        ("Alpha", Decimal("500.00"), 1, Decimal("0.00"), 0),
        ("Beta", Decimal("0.00"), 0, Decimal("400.00"), 1),
    ]
    assert (split.sourced, split.influenced, split.total) == (
        Decimal("500.00"),
        Decimal("400.00"),
        Decimal("900.00"),
    )


def test_revenue_follows_the_period(admin, world):
    # given: February only (D1's revenue of 1 Feb; D2's of 3 Mar is outside)
    february = AnalyticsFilter(dates=DateRange(dt.date(2026, 2, 1), dt.date(2026, 2, 28)))
    # when
    split = revenue_split(membership=admin, filters=february)
    # then
    assert _money(split.partners) == [("Alpha", Decimal("500.00"), 1, Decimal("0.00"), 0)]
    assert (split.sourced, split.influenced) == (Decimal("500.00"), Decimal("0.00"))


def test_pipeline_counts_a_deal_once_per_partner_and_group(admin, world):
    # when
    split = pipeline_split(membership=admin, filters=ALL)
    # then: Beta's two roles on D6 count its 3,000 once; overall D5 is sourced (Alpha's referral)
    assert _money(split.partners) == [
        ("Beta", Decimal("0.00"), 0, Decimal("23000.00"), 2),
        ("Alpha", Decimal("20000.00"), 1, Decimal("0.00"), 0),
    ]
    assert (split.sourced, split.sourced_deals, split.influenced, split.influenced_deals) == (
        Decimal("20000.00"),
        1,
        Decimal("3000.00"),
        1,
    )


@pytest.mark.parametrize(
    ("_case", "filters", "expected"),
    [
        ("tier gold", AnalyticsFilter(dates=DateRange(None, None), tier="gold"), ["Alpha"]),
        ("type influence", AnalyticsFilter(dates=DateRange(None, None), role="influence"), ["Beta"]),
        ("region emea", AnalyticsFilter(dates=DateRange(None, None), region="emea"), []),
        ("closing after the year", AnalyticsFilter(dates=DateRange(dt.date(2027, 1, 1), None)), []),
    ],
)
def test_pipeline_filters(admin, world, _case, filters, expected):
    assert [p.name for p in pipeline_split(membership=admin, filters=filters).partners] == expected


def test_comparison_pairs_and_figures_by_hand(admin, world):
    # when
    result = deal_comparison(membership=admin, filters=ALL)
    # then: (D1 won, D3 lost) and (D2 won, D4 won) → win rates 100 % against 50 %; cycle days
    # +10 and +20 → +15
    d1, d2, d3, d4, *_ = world["deals"]
    assert result.pair_ids == ((d1.pk, d3.pk), (d2.pk, d4.pk))
    assert (result.pairs, result.unmatched_partner, result.unmatched_other) == (2, 0, 0)
    assert (result.partner_win_rate, result.other_win_rate) == (1.0, 0.5)
    assert result.win_rate_difference.estimate == 0.5
    assert result.cycle_days_difference.estimate == 15
    assert (result.partner_cycle_days, result.other_cycle_days) == (45, 30)


def test_comparison_leaves_out_deals_of_partners_outside_the_filter(admin, world):
    # given: Silver partners only — D1 (Alpha, Gold) is neither side; D2 pairs with D4 (nearest)
    result = deal_comparison(
        membership=admin, filters=AnalyticsFilter(dates=DateRange(None, None), tier="silver")
    )
    _d1, d2, _d3, d4, *_ = world["deals"]
    assert result.pair_ids == ((d2.pk, d4.pk),)
    assert (result.unmatched_partner, result.unmatched_other) == (0, 1)


def test_funnel_counts_and_median_hours(admin, world):
    # when
    funnel = registration_funnel(membership=admin, filters=ALL)
    # then
    rows = [
        (r.name, r.submitted, r.approved, r.rejected, r.won, r.median_hours_to_decision)
        for r in funnel.partners
    ]
    assert rows == [("Alpha", 3, 1, 1, 1, 36.0), ("Beta", 1, 1, 0, 0, 10.0)]
    o = funnel.overall
    assert (o.submitted, o.approved, o.rejected, o.won, o.median_hours_to_decision) == (4, 2, 1, 1, 24.0)
    assert (o.approval_rate, o.win_rate) == (Decimal("66.7"), Decimal("50.0"))


def test_leaderboard(admin, world):
    # given
    revenue = revenue_split(membership=admin, filters=ALL)
    funnel = registration_funnel(membership=admin, filters=ALL)
    # when
    board = leaderboard(membership=admin, filters=ALL, revenue=revenue, funnel=funnel)
    # then
    rows = [
        (r.name, r.tier, r.revenue, r.registrations_won, r.deals_closed, r.deals_won, r.win_rate, r.health)
        for r in board.rows
    ]
    assert rows == [
        ("Alpha", "gold", Decimal("500.00"), 1, 1, 1, Decimal("100.0"), 80),
        ("Beta", "silver", Decimal("400.00"), 0, 1, 1, Decimal("100.0"), None),
    ]


def test_another_team_manager_sees_none_of_the_teams_deals(other_team_manager, world):
    assert revenue_split(membership=other_team_manager, filters=ALL).partners == []
    assert pipeline_split(membership=other_team_manager, filters=ALL).partners == []
    assert deal_comparison(membership=other_team_manager, filters=ALL).pairs == 0


def test_filter_form_ignores_an_invalid_value(org):
    filters = AnalyticsFilterForm({"period": "all", "tier": "diamond", "region": "emea"}).selected(org)
    assert (filters.dates, filters.tier, filters.region, filters.role) == (
        DateRange(None, None),
        "",
        "emea",
        "",
    )


# Pages


@pytest.mark.parametrize("member", ["admin", "manager", "finance_admin"])
def test_page_shows_the_figures(client_for, request, world, member):
    # when
    response = client_for(request.getfixturevalue(member)).get("/partners/analytics/?period=all")
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="analytics-revenue"' in body and 'id="analytics-leaderboard"' in body
    assert "2 pairs in 1 stratum" in body
    assert "+50.0 pts" in body
    assert 'href="/partners/analytics/revenue/?period=all&amp;export=csv"' in body


def test_htmx_filter_answers_the_body_only(client_for, admin, world):
    response = client_for(admin).get(
        "/partners/analytics/?period=all&tier=silver", headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Beta" in body and "Alpha" not in body


def test_rep_is_refused_and_partner_users_find_nothing(client_for, rep, partner_user, world):
    for url in ("/partners/analytics/", "/partners/analytics/revenue/?export=csv"):
        assert client_for(rep).get(url).status_code == 403
        assert client_for(partner_user).get(url).status_code == 404


def test_another_organization_never_sees_acme(client_for, other_org_admin, world, globex_world):
    # when
    body = client_for(other_org_admin).get("/partners/analytics/?period=all").content.decode()
    export = client_for(other_org_admin).get("/partners/analytics/revenue/?period=all&export=csv")
    # then
    assert "Globex Hidden Partner" in body
    assert "Alpha" not in body and "Beta" not in body
    text = export.content.decode("utf-8-sig")
    assert "Alpha" not in text and "Globex Hidden Partner" in text


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_revenue_export_content(client_for, admin, world):
    # when
    response = client_for(admin).get("/partners/analytics/revenue/?period=all&export=csv")
    # then
    assert response.status_code == 200
    assert _csv(response) == [
        ["Partner", "Tier", "Sourced", "Sourced deals", "Influenced", "Influenced deals", "Total"],
        ["Alpha", "gold", "500.00", "1", "0.00", "0", "500.00"],
        ["Beta", "silver", "0.00", "0", "400.00", "1", "400.00"],
        ["All partners", "", "500.00", "1", "400.00", "1", "900.00"],
    ]


def test_exports_are_formula_safe(client_for, admin, world):
    # given: a partner whose name would run as a formula
    Partner.objects.filter(pk=world["alpha"].pk).update(name="=HYPERLINK(1)")
    # when
    rows = _csv(client_for(admin).get("/partners/analytics/leaderboard/?period=all&export=csv"))
    # then
    assert rows[1][:4] == ["1", "'=HYPERLINK(1)", "gold", "500.00"]


def test_funnel_and_comparison_exports(client_for, admin, world):
    funnel = _csv(client_for(admin).get("/partners/analytics/funnel/?period=all&export=csv"))
    assert funnel[-1] == ["All partners", "4", "2", "1", "1", "66.7", "50.0", "24.0"]
    comparison = _csv(client_for(admin).get("/partners/analytics/comparison/?period=all&export=csv"))
    assert comparison[1][:4] == ["Win rate (%)", "100.0", "50.0", "50.0"]
    assert comparison[2][:4] == ["Cycle time (days)", "45.0", "30.0", "15.0"]
    xlsx = client_for(admin).get("/partners/analytics/pipeline/?period=all&export=xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_table_url_without_export_renders_the_table(client_for, admin, world):
    body = client_for(admin).get("/partners/analytics/funnel/?period=all").content.decode()
    assert 'id="analytics-funnel"' in body and "<html" not in body


def test_page_query_count_does_not_grow_with_partners_and_deals(client_for, admin, org, rep, line, world):
    # given
    client = client_for(admin)
    client.get("/partners/analytics/?period=all")  # warm caches (session, labels)
    with CaptureQueriesContext(connection) as before:
        client.get("/partners/analytics/?period=all")
    for n in range(5):
        more = PartnerFactory(organization=org, name=f"More {n}", tier=Partner.Tier.SILVER)
        deal = _deal(org, rep, line, f"M{n}", "closed_won", "4000", closed=dt.date(2026, 1, 25))
        _link(org, deal, more, "influence", "5")
        RevenueEventFactory(
            organization=org, opportunity=deal, date=dt.date(2026, 2, 2), amount=Decimal("4000")
        )
        _registration(org, more, line, RegistrationStatus.APPROVED, hours=5, deal=deal)
    attribution_recompute(organization=org)
    # when
    with CaptureQueriesContext(connection) as after:
        response = client.get("/partners/analytics/?period=all")
    # then
    assert response.status_code == 200
    assert "More 4" in response.content.decode()
    assert len(after.captured_queries) == len(before.captured_queries)
