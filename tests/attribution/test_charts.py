"""Attribution charts: each partner tier and role has one colour, in every chart and badge."""

from decimal import Decimal

import pytest
from django.urls import reverse

from revops.palette import badge_colours, colour_for
from tests.attribution.factories_pages import build_book
from tests.revops.test_charts import _drawn

pytestmark = pytest.mark.django_db

PARTNERS_URL = reverse("attribution:partners")


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


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
