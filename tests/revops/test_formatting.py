"""Figures on screen: currency symbols, minor units, separators, compact form, labels."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template

from revops.formatting import (
    format_money,
    format_money_compact,
    format_number,
    format_percent,
    format_ratio,
)
from revops.labels import humanize_code, label_for, labels_register


@pytest.mark.parametrize(
    ("_case", "value", "currency", "expected"),
    [
        ("usd cents and separators", Decimal("1234.5"), "USD", "$1,234.50"),
        ("eur symbol", Decimal("1234.5"), "EUR", "€1,234.50"),
        ("jpy has no minor unit", Decimal("1234.5"), "JPY", "¥1,235"),
        ("negative", Decimal("-1234.56"), "USD", "-$1,234.56"),
        ("negative eur", Decimal("-0.05"), "EUR", "-€0.05"),
        ("zero", Decimal("0"), "USD", "$0.00"),
        ("half up to the cent", Decimal("0.125"), "USD", "$0.13"),
        ("a million drops the cents", Decimal("27612345.67"), "USD", "$27,612,346"),
        ("unknown currency writes its code", Decimal("10"), "SEK", "SEK 10.00"),
        ("code not in the table", Decimal("10"), "XAF", "XAF 10.00"),
        ("kuwaiti dinar has three places", Decimal("1.2345"), "KWD", "KWD 1.235"),
        ("none is a dash", None, "USD", "—"),
        ("text that is no number is a dash", "n/a", "USD", "—"),
        ("a rounded-away negative has no sign", Decimal("-0.001"), "USD", "$0.00"),
    ],
)
def test_format_money(_case, value, currency, expected):
    assert format_money(value, currency) == expected


def test_format_money_exact_keeps_cents_past_a_million():
    assert format_money(Decimal("27612345.67"), "USD", exact=True) == "$27,612,345.67"
    assert format_money(Decimal("-27612345.67"), "EUR", exact=True) == "-€27,612,345.67"


@pytest.mark.parametrize(
    ("_case", "value", "currency", "expected"),
    [
        ("millions", Decimal("27612345.67"), "USD", "$27.6M"),
        ("thousands", Decimal("940000"), "EUR", "€940K"),
        ("billions yen", Decimal("1234567890"), "JPY", "¥1.2B"),
        ("negative", Decimal("-1250000"), "USD", "-$1.3M"),
        ("below a thousand", Decimal("640.40"), "USD", "$640"),
        ("rounds up into the next unit", Decimal("999960"), "USD", "$1.0M"),
        ("one decimal below a hundred", Decimal("12345"), "USD", "$12.3K"),
        ("zero", Decimal("0"), "USD", "$0"),
        ("none", None, "USD", "—"),
    ],
)
def test_format_money_compact(_case, value, currency, expected):
    assert format_money_compact(value, currency) == expected


def test_numbers_and_percentages():
    assert format_number(Decimal("1234567")) == "1,234,567"
    assert format_number(Decimal("-1234.56"), 1) == "-1,234.6"
    assert format_percent(Decimal("12.5")) == "12.5 %"
    assert format_percent(Decimal("100"), 0) == "100 %"
    assert format_ratio(Decimal("0.275")) == "27.5 %"
    assert format_ratio(None) == "—"


def test_labels_come_from_the_registered_choices():
    assert label_for("stage", "closed_lost") == "Closed lost"
    assert label_for("stage", "closed_won") == "Closed won"
    assert label_for("partner_type", "si") == "SI / implementation"
    assert label_for("stage", "") == ""
    assert label_for("unknown_concept", "some_code") == "Some code"
    assert humanize_code("closed-lost") == "Closed lost"
    assert humanize_code("opportunity.import") == "Opportunity import"


def test_an_app_registers_its_own_labels():
    # given
    labels_register("test_colour", [("rd", "Red"), ("gn", "Green")])

    # then
    assert label_for("test_colour", "gn") == "Green"
    assert label_for("test_colour", "bl") == "Bl"


def test_template_tags_use_the_organization_currency():
    # given
    request = SimpleNamespace(organization=SimpleNamespace(currency="EUR"))
    template = Template(
        "{% load revops_format %}{% money amount %}|{% money amount currency='JPY' %}|"
        "{% money big exact=True %}|{% money_compact big %}|{{ n|num }}|{{ split|pct }}|"
        "{{ stage|label:'stage' }}|{{ kinds|labelled_counts:'stage' }}"
    )

    # when
    html = template.render(
        Context(
            {
                "request": request,
                "amount": Decimal("1234.5"),
                "big": Decimal("27612345.67"),
                "n": 12345,
                "split": Decimal("12.50"),
                "stage": "closed_won",
                "kinds": {"closed_won": 3, "closed_lost": 12},
            }
        )
    )

    # then
    assert html == (
        "€1,234.50|¥1,235|€27,612,345.67|"
        '<span class="money-compact" title="€27,612,345.67">€27.6M</span>|'
        "12,345|12.5 %|Closed won|Closed lost: 12 · Closed won: 3"
    )


def test_money_tag_defaults_to_usd_without_an_organization():
    html = Template("{% load revops_format %}{% money amount %}").render(Context({"amount": 5}))
    assert html == "$5.00"
