"""Attribution's panels on the core account, partner and deal pages (scoped like the ledger).

Book (tests/attribution/factories_pages.py): Initech Analytics (rep's) with Alpha 10 % and
Beta 5 %, revenue 1,000 → Alpha 100.00, Beta 50.00; Umbrella Platform (other rep's) with
Alpha 20 %, revenue 2,000 → Alpha 400.00.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from revops.selectors.periods import organization_today
from tests.attribution.factories_pages import build_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


def _panel(response, key):
    return next(p for p in response.context["panels"] if p["key"] == key)["context"]


def test_account_page_lists_partners_splits_and_attributed_revenue(book, manager, client_for):
    # when
    response = client_for(manager).get(reverse("revops:account-detail", args=[book.deal.account_id]))

    # then
    links = _panel(response, "attribution-partners")["links"]
    assert [(link.partner_name, link.role, link.split_percent, link.deal_name) for link in links] == [
        ("Alpha", "referral", Decimal("10.00"), "Initech Analytics"),
        ("Beta", "isv", Decimal("5.00"), "Initech Analytics"),
    ]
    revenue = _panel(response, "attribution-revenue")
    assert [(t.partner_name, t.amount) for t in revenue["totals"]] == [
        ("Alpha", Decimal("100.00")),
        ("Beta", Decimal("50.00")),
    ]
    assert revenue["total"] == Decimal("150.00")
    html = response.content.decode()
    assert f'href="{reverse("attribution:deal", args=[book.deal.pk])}"' in html
    assert f"?account={book.deal.account_id}" in html
    assert "Referral" in html and ">referral<" not in html  # labels, not codes


def test_partner_page_shows_its_deals_and_revenue_within_the_reps_scope(book, rep, client_for):
    # when: Alpha is on the rep's deal and on another rep's deal
    response = client_for(rep).get(reverse("revops:partner-detail", args=[book.alpha.pk]))

    # then: only the rep's deal and its 100.00 appear
    deals = _panel(response, "attribution-deals")["links"]
    assert [link.deal_name for link in deals] == ["Initech Analytics"]
    revenue = _panel(response, "attribution-revenue")
    assert [(r["entry"].amount) for r in revenue["lines"]] == [Decimal("100.00")]
    assert [m.month for m in revenue["chart_months"]][-1] == organization_today(
        book.deal.organization
    ).replace(day=1)
    assert len(revenue["chart_months"]) == 24
    html = response.content.decode()
    assert "plotly.min.js" in html
    assert "Umbrella Platform" not in html
    assert "400.00" not in html


def test_org_wide_manager_sees_every_deal_of_the_partner(book, org_wide_manager, client_for):
    response = client_for(org_wide_manager).get(reverse("revops:partner-detail", args=[book.alpha.pk]))
    deals = _panel(response, "attribution-deals")["links"]
    assert sorted(link.deal_name for link in deals) == ["Initech Analytics", "Umbrella Platform"]
    lines = _panel(response, "attribution-revenue")["lines"]
    assert sorted(r["entry"].amount for r in lines) == [Decimal("100.00"), Decimal("400.00")]


def test_deal_page_shows_its_partners_and_links_to_the_drilldown(book, rep, client_for):
    # when
    response = client_for(rep).get(reverse("revops:opportunity-detail", args=[book.deal.pk]))

    # then
    panel = _panel(response, "attribution-partners")
    assert [(link.partner_name, link.split_percent) for link in panel["links"]] == [
        ("Alpha", Decimal("10.00")),
        ("Beta", Decimal("5.00")),
    ]
    assert panel["total"] == Decimal("150.00")
    html = response.content.decode()
    assert f'id="deal-drilldown" href="{reverse("attribution:deal", args=[book.deal.pk])}"' in html
    assert f"?opportunity={book.deal.pk}" in html


def test_deal_page_ledger_link_filters_to_that_deal(book, manager, client_for):
    # when: the link the deal page offers
    response = client_for(manager).get(reverse("attribution:ledger"), {"opportunity": book.deal.pk})

    # then: only the deal's two lines, not the whole ledger's three
    assert response.context["totals"].count == 2
    assert response.context["totals"].amount == Decimal("150.00")
