"""Attribution charts: each partner tier and role has one colour, in every chart and badge."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from attribution.charts import TOTAL_COLOUR, credit_waterfall, monthly_trend
from attribution.selectors.performance import MonthAmount, PartnerPerformance
from revops.palette import badge_colours, colour_for
from tests.attribution.factories_pages import build_book
from tests.revops.test_charts import _drawn

pytestmark = pytest.mark.django_db

PARTNERS_URL = reverse("attribution:partners")


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


def _squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def _trace(fragment: str) -> dict:
    _div_id, data, _layout, _config = _drawn(fragment)
    assert len(data) == 1
    return data[0]


def test_a_tier_has_the_same_colour_in_the_partner_bar_the_tier_pie_and_its_badge(book, admin, client_for):
    # when
    response = client_for(admin).get(PARTNERS_URL, {"period": "all"})
    # then: Alpha is gold, Beta silver
    bars = _trace(response.context["partner_chart"])
    pie = _trace(response.context["tier_chart"])
    bar_colour = dict(zip(bars["y"], bars["marker"]["color"], strict=True))
    pie_colour = dict(zip(pie["labels"], pie["marker"]["colors"], strict=True))
    gold, silver = colour_for("partner_tier", "gold"), colour_for("partner_tier", "silver")
    assert (bar_colour["Alpha"], pie_colour["Gold"]) == (gold, gold)
    assert (bar_colour["Beta"], pie_colour["Silver"]) == (silver, silver)
    assert gold != silver
    background, text = badge_colours(gold)
    html = response.content.decode()
    assert f".tier-gold {{ background: {background}; color: {text}; --swatch: {gold}; }}" in html
    assert '<td><span class="tier tier-gold">Gold</span></td>' in html  # the leaderboard's badge


def test_a_role_has_its_palette_colour_in_the_role_donut(book, admin, client_for):
    # when
    everyone = _trace(client_for(admin).get(PARTNERS_URL, {"period": "all"}).context["role_chart"])
    # then
    expected = {"ISV": colour_for("partner_role", "isv"), "Referral": colour_for("partner_role", "referral")}
    assert dict(zip(everyone["labels"], everyone["marker"]["colors"], strict=True)) == expected
    assert expected["Referral"] == colour_for("partner_type", "referral")  # a role is a partner type
    assert everyone["values"] == [float(Decimal("50.00")), float(Decimal("500.00"))]


def test_the_waterfall_adds_up_partner_credit_by_role_and_shows_uncredited_revenue_apart(
    book, admin, client_for
):
    # when
    response = client_for(admin).get(PARTNERS_URL, {"period": "all"})
    # then: roles stack up to the partner credit; the 2,450.00 nobody is credited with is no bar
    bars = _trace(response.context["waterfall_chart"])
    assert bars["x"] == ["Referral", "ISV", "Partner credit"]
    assert (bars["y"], bars["base"]) == ([500.0, 50.0, 550.0], [0.0, 500.0, 0.0])
    assert max(bars["y"]) == 550.0  # the total is the tallest bar, not what is not credited
    assert bars["marker"]["color"] == [
        colour_for("partner_role", "referral"),  # the same colours as the role donut
        colour_for("partner_role", "isv"),
        TOTAL_COLOUR,
    ]
    html = _squash(response.content.decode())
    assert (
        '<div class="card kpi" id="kpi-not-credited"> <div class="label">Not credited to partners</div>'
        ' <div class="value"><span class="money-compact" title="$2,450.00">$2.5K</span></div>'
        ' <div class="sub">81.7 % of gross revenue</div> </div>'
    ) in html
    assert "Of $3,000.00 gross revenue; $2,450.00 (81.7 %) is not credited to any partner." in html


def test_the_waterfall_is_empty_without_partner_credit():
    # given: revenue, but no partner credited
    performance = PartnerPerformance([], [], [], [], Decimal("1000.00"), Decimal("0.00"))
    # then
    assert credit_waterfall(performance) == ""


def test_the_monthly_trend_ends_at_the_current_month():
    # given: revenue dated in a month still to come
    months = [
        MonthAmount(dt.date(2025, 12, 1), Decimal("10.00")),
        MonthAmount(dt.date(2026, 11, 1), Decimal("20.00")),
        MonthAmount(dt.date(2026, 12, 1), Decimal("30.00")),
    ]
    # when
    line = _trace(monthly_trend(months, today=dt.date(2026, 11, 29)))
    _div_id, _data, layout, _config = _drawn(monthly_trend(months, today=dt.date(2026, 11, 29)))
    # then
    assert line["x"] == ["2025-12-01", "2026-11-01"]
    assert layout["xaxis"]["range"] == ["2025-11-16", "2026-11-16"]
