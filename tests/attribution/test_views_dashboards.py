"""Partner performance dashboard and period analytics: exact figures, HTMX, query budget, close/reopen."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attribution.models import AttributionPeriodSeal
from revops.models import AuditEvent, FiscalPeriod
from revops.services.periods import period_close, periods_ensure
from tests.attribution.factories_pages import add_deals, build_book

pytestmark = pytest.mark.django_db

PARTNERS_URL = reverse("attribution:partners")
PERIODS_URL = reverse("attribution:periods")
# session, user, membership, 4 aggregates (partner, role, month, gross revenue), org switcher.
PARTNERS_QUERY_BUDGET = 9  # deals per partner are read apart from the sums (partner-deal table)


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


def test_partner_dashboard_figures(book, admin, client_for):
    # when
    response = client_for(admin).get(PARTNERS_URL, {"period": "all"})
    # then
    assert response.status_code == 200
    perf = response.context["performance"]
    assert [(p.name, p.deals, p.amount, p.share_percent) for p in perf.partners] == [
        ("Alpha", 2, Decimal("500.00"), Decimal("90.9")),
        ("Beta", 1, Decimal("50.00"), Decimal("9.1")),
    ]
    assert [(r.label, r.amount) for r in perf.roles] == [
        ("ISV", Decimal("50.00")),
        ("Referral", Decimal("400.00") + Decimal("100.00")),
    ]
    assert [(t.label, t.amount) for t in perf.tiers] == [
        ("Gold", Decimal("500.00")),
        ("Silver", Decimal("50.00")),
    ]
    assert [(m.month.isoformat(), m.amount) for m in perf.months] == [
        ("2026-01-01", Decimal("150.00")),
        ("2026-02-01", Decimal("400.00")),
    ]
    assert (perf.gross_revenue, perf.partner_credit, perf.not_credited) == (
        Decimal("3000.00"),
        Decimal("550.00"),
        Decimal("2450.00"),
    )
    html = response.content.decode()
    for chart in ("partner_chart", "role_chart", "tier_chart", "waterfall_chart", "trend_chart"):
        assert response.context[chart] != ""
    assert 'id="partner-leaderboard"' in html


def test_partner_dashboard_lists_the_leading_partners_and_says_the_export_holds_all(
    book, admin, client_for, monkeypatch
):
    # given a leaderboard of one (two partners are credited)
    monkeypatch.setattr("attribution.views.performance.LEADERBOARD_SIZE", 1)
    # when
    response = client_for(admin).get(PARTNERS_URL, {"period": "all"})
    csv_rows = client_for(admin).get(PARTNERS_URL, {"period": "all", "export": "csv"})
    # then the page shows Alpha only, says so, and keeps the total of both; the export has both
    html = response.content.decode()
    table = html[html.index('id="partner-leaderboard"') :]
    assert ">Alpha</td>" in table and ">Beta</td>" not in table
    assert "The 1 leading partners of 2; the exports hold every one." in html
    assert [p.name for p in response.context["leaders"]] == ["Alpha"]
    assert len(response.context["performance"].partners) == 2
    body = b"".join(csv_rows.streaming_content) if csv_rows.streaming else csv_rows.content
    assert b"Alpha" in body and b"Beta" in body


def test_partner_dashboard_rep_sees_only_their_deals(book, rep, client_for):
    # when
    response = client_for(rep).get(PARTNERS_URL, {"period": "all"}, HTTP_HX_REQUEST="true")
    # then
    perf = response.context["performance"]
    assert "<html" not in response.content.decode()
    assert [(p.name, p.amount) for p in perf.partners] == [
        ("Alpha", Decimal("100.00")),
        ("Beta", Decimal("50.00")),
    ]
    assert (perf.gross_revenue, perf.partner_credit) == (Decimal("1000.00"), Decimal("150.00"))


def _count(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_partner_dashboard_query_count_is_constant(org, book, admin, rep, client_for):
    # given
    client = client_for(admin)
    small = _count(client, PARTNERS_URL, {"period": "all"})
    # when
    add_deals(org, rep.user, book.beta, 10)
    large = _count(client, PARTNERS_URL, {"period": "all"})
    # then
    assert small == large == PARTNERS_QUERY_BUDGET


def test_period_page_shows_partner_role_totals_and_movement(book, finance_admin, client_for):
    # when
    response = client_for(finance_admin).get(PERIODS_URL, {"period": book.february.pk})
    # then
    assert response.status_code == 200
    assert response.context["breakdown_columns"] == ["Referral", "total"]
    assert response.context["breakdown"] == [("Alpha", [Decimal("400.00"), Decimal("400.00")])]
    movement = [
        (m["partner"], m["previous"], m["current"], m["change"], m["status"])
        for m in response.context["movement"]
    ]
    assert movement == [
        ("Alpha", Decimal("100.00"), Decimal("400.00"), Decimal("300.00"), "increased"),
        ("Beta", Decimal("50.00"), Decimal("0.00"), Decimal("-50.00"), "lost"),
    ]
    assert response.context["movement_counts"] == {
        "new": 0,
        "increased": 1,
        "decreased": 0,
        "lost": 1,
        "unchanged": 0,
    }
    rows = {r.period.start_date.month: (r.entries, r.amount) for r in response.context["rows"]}
    assert rows == {1: (2, Decimal("150.00")), 2: (1, Decimal("400.00")), 3: (0, Decimal("0.00"))}


def test_period_list_starts_at_the_first_period_with_entries(org, book, finance_admin, client_for):
    # given: three closed months without entries before January, the first with entries
    periods_ensure(organization=org, start=dt.date(2025, 10, 1), end=dt.date(2025, 12, 31))
    for period in FiscalPeriod.objects.filter(organization=org, start_date__year=2025).order_by("start_date"):
        period_close(period=period, actor=finance_admin.user, reason="year end")
    # when
    response = client_for(finance_admin).get(PERIODS_URL)
    # then: the list leads with January; the empty months are one collapsed line
    assert [r.period.start_date for r in response.context["rows"]] == [
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),  # after the first entries, empty months stay in the list
    ]
    assert [r.period.start_date.month for r in response.context["earlier"]] == [10, 11, 12]
    html = response.content.decode()
    table = html.split('id="period-list"', 1)[1].split("</table>", 1)[0]
    assert "2025" not in table
    assert "3 earlier closed periods without entries (" in html


def test_period_list_folds_future_periods_without_entries(org, book, finance_admin, client_for):
    # given: periods created years ahead (deals expected to close then), still empty
    periods_ensure(organization=org, start=dt.date(2030, 1, 1), end=dt.date(2030, 3, 31))
    # when
    response = client_for(finance_admin).get(PERIODS_URL)
    # then: the list ends before them; they are one collapsed line; amounts read as money
    assert [r.period.start_date.year for r in response.context["rows"]] == [2026, 2026, 2026]
    assert [r.period.start_date for r in response.context["later"]] == [
        dt.date(2030, 1, 1),
        dt.date(2030, 2, 1),
        dt.date(2030, 3, 1),
    ]
    html = response.content.decode()
    assert "3 later open periods without entries yet (" in html
    table = html.split('id="period-list"', 1)[1].split("</table>", 1)[0]
    assert "2030" not in table
    assert "$400.00" in table


def test_period_list_keeps_open_periods_without_entries(org, book, finance_admin, client_for):
    # given: an open month without entries before the first with entries
    periods_ensure(organization=org, start=dt.date(2025, 12, 1), end=dt.date(2025, 12, 31))
    # when
    response = client_for(finance_admin).get(PERIODS_URL)
    # then
    assert response.context["rows"][0].period.start_date == dt.date(2025, 12, 1)
    assert response.context["earlier"] == []
    assert 'id="period-list-earlier"' not in response.content.decode()


def test_period_breakdown_scrolls_inside_its_card(book, finance_admin, client_for):
    # when: a period with a column per role and a total
    html = client_for(finance_admin).get(PERIODS_URL, {"period": book.january.pk}).content.decode()
    # then: the table sits in a scrolling wrapper, so the Total column is never cut off
    card = html.split("<h2>By partner and role</h2>", 1)[1]
    assert (
        card.split('<table class="table" id="period-breakdown">', 1)[0]
        .strip()
        .endswith('<div class="table-wrap">')
    )
    assert '<th class="num"> Total </th>' in re.sub(r"\s+", " ", card)


def test_period_page_htmx_returns_the_period_partial(book, finance_admin, client_for):
    # when
    response = client_for(finance_admin).get(PERIODS_URL, {"period": book.january.pk}, HTTP_HX_REQUEST="true")
    # then
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="period-breakdown"' in html
    assert response.context["breakdown_columns"] == ["Referral", "ISV", "total"]
    assert response.context["breakdown"] == [
        ("Alpha", [Decimal("100.00"), Decimal("0.00"), Decimal("100.00")]),
        ("Beta", [Decimal("0.00"), Decimal("50.00"), Decimal("50.00")]),
    ]


def test_finance_closes_a_period_and_the_chain_head_is_shown(org, book, finance_admin, client_for):
    # given
    client = client_for(finance_admin)
    # when
    response = client.post(reverse("attribution:period-close", args=[book.january.pk]), follow=True)
    # then
    book.january.refresh_from_db()
    assert book.january.status == FiscalPeriod.Status.CLOSED
    seal = AttributionPeriodSeal.objects.get(period=book.january)
    assert (seal.last_sequence, seal.entry_count, seal.total_amount) == (3, 2, Decimal("150.00"))
    assert f"hash <code>{seal.last_hash}</code>" in response.content.decode()


def test_reopen_needs_a_reason_and_changes_nothing_without_one(org, book, finance_admin, client_for):
    # given
    client = client_for(finance_admin)
    client.post(reverse("attribution:period-close", args=[book.january.pk]))
    # when
    response = client.post(
        reverse("attribution:period-reopen", args=[book.january.pk]), {"reason": ""}, follow=True
    )
    # then
    book.january.refresh_from_db()
    assert book.january.status == FiscalPeriod.Status.CLOSED
    assert AuditEvent.objects.filter(action="period.reopen").count() == 0
    assert "A reason is required to reopen a period." in response.content.decode()


def test_reopen_with_a_reason(org, book, finance_admin, client_for):
    # given
    client = client_for(finance_admin)
    client.post(reverse("attribution:period-close", args=[book.january.pk]))
    # when
    client.post(reverse("attribution:period-reopen", args=[book.january.pk]), {"reason": "Late invoice"})
    # then
    book.january.refresh_from_db()
    assert book.january.status == FiscalPeriod.Status.OPEN
    assert AuditEvent.objects.get(action="period.reopen").reason == "Late invoice"


@pytest.mark.parametrize("role_fixture", ["rep", "manager"])
def test_only_period_closers_may_close(request, book, client_for, role_fixture):
    # given
    member = request.getfixturevalue(role_fixture)
    # when
    response = client_for(member).post(reverse("attribution:period-close", args=[book.january.pk]))
    # then
    assert response.status_code == 403
    book.january.refresh_from_db()
    assert book.january.status == FiscalPeriod.Status.OPEN
    assert AttributionPeriodSeal.objects.count() == 0


def test_partner_dashboard_period_drop_down_shows_the_default_period_in_use(book, admin, client_for):
    # when: no period asked for
    response = client_for(admin).get(PARTNERS_URL)
    # then: the drop-down shows "Last 12 months", the period the figures are for
    html = response.content.decode()
    assert '<option value="last_12_months" selected>Last 12 months</option>' in html
    assert '<option value="this_quarter" selected>' not in html
