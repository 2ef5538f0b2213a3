"""A rule change recomputes only what the changed rule can reach, and posts what a full recompute would."""

import datetime as dt
from decimal import Decimal

import pytest

from attribution.models import AttributionEntry, AttributionRule
from attribution.selectors.rule_sets import active_rule_specs
from attribution.services.recompute import attribution_recompute
from attribution.services.rules import rule_create, rule_update
from revops.models import FiscalPeriod
from revops.services.periods import periods_ensure
from tests.attribution.factories import (
    AccountPartnerFactory,
    OpportunityPartnerFactory,
    RevenueEventFactory,
)
from tests.revops.factories import (
    AccountFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganizationFactory,
    PartnerFactory,
    ProductLineFactory,
)

pytestmark = pytest.mark.django_db

LINE_A = {"action": {"kind": "set_split", "percent": "10"}, "conditions": {"product_lines": ["pla"]}}
ENTERPRISE = {
    "scope": "account",
    "action": {"kind": "cap", "percent": "7"},
    "conditions": {"segments": ["enterprise"], "roles": ["influence"]},
}
CAP_ISV = {"action": {"kind": "cap", "percent": "4"}, "conditions": {"roles": ["isv"], "min_amount": "5000"}}


def _book(org):
    """Three accounts, five deals on two product lines, deal and account links (account links
    are always manual), three rules, and revenue on every target."""
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    admin = MembershipFactory(organization=org, role="admin")
    line_a = ProductLineFactory(organization=org, name="Line A", code="pla")
    line_b = ProductLineFactory(organization=org, name="Line B", code="plb")
    big = AccountFactory(organization=org, name="Big", segment="enterprise", region="emea")
    small = AccountFactory(organization=org, name="Small", segment="smb", region="na")
    mid = AccountFactory(organization=org, name="Mid", segment="mid_market", region="na")
    deals = [
        OpportunityFactory(
            organization=org, account=account, product_line=line, amount=Decimal(amount), name=name
        )
        for name, account, line, amount in (
            ("d1", big, line_a, "12000"),
            ("d2", big, line_b, "3000"),
            ("d3", small, line_a, "8000"),
            ("d4", mid, line_b, "6000"),
            ("d5", mid, None, "900"),
        )
    ]
    partners = [PartnerFactory(organization=org, name=f"P{i}") for i in range(4)]
    for deal_n, partner_n, role, manual in (
        (0, 0, "referral", None),
        (0, 1, "si", None),
        (0, 2, "isv", None),
        (1, 1, "si", None),
        (1, 3, "influence", "3"),
        (2, 0, "isv", None),
        (2, 2, "referral", None),
        (3, 3, "referral", None),
        (3, 2, "isv", "6"),
        (4, 0, "referral", None),
    ):
        OpportunityPartnerFactory(
            organization=org, opportunity=deals[deal_n], partner=partners[partner_n], role=role,
            split_percent=Decimal(manual) if manual else None,
        )  # fmt: skip
    AccountPartnerFactory(
        organization=org, account=big, partner=partners[1], role="si", split_percent=Decimal("10")
    )
    AccountPartnerFactory(
        organization=org, account=big, partner=partners[3], role="influence", split_percent=Decimal("10")
    )
    AccountPartnerFactory(
        organization=org, account=small, partner=partners[0], role="influence", split_percent=Decimal("10")
    )
    for i, (deal, day, amount) in enumerate(
        (
            (deals[0], dt.date(2026, 1, 5), "1000.00"),
            (deals[0], dt.date(2026, 2, 5), "333.33"),
            (deals[1], dt.date(2026, 1, 9), "250.10"),
            (deals[2], dt.date(2026, 2, 1), "999.99"),
            (deals[3], dt.date(2026, 3, 3), "120.00"),
            (deals[4], dt.date(2026, 3, 9), "77.77"),
        )
    ):
        RevenueEventFactory(
            organization=org, opportunity=deal, date=day, amount=Decimal(amount), external_id=f"e{i}"
        )
    for i, account in enumerate((big, small)):
        RevenueEventFactory(
            organization=org, opportunity=None, account=account, date=dt.date(2026, 2, 20),
            amount=Decimal("4321.09"), external_id=f"a{i}",
        )  # fmt: skip
    for name, definition in (("Line A", LINE_A), ("Enterprise", ENTERPRISE), ("Cap ISV", CAP_ISV)):
        rule_create(
            organization=admin.organization, actor=admin.user, name=name, definition=definition, priority=10
        )
    attribution_recompute(organization=org)
    return admin


def _change(org, admin, name, **change):
    rule_update(
        organization=admin.organization,
        actor=admin.user,
        rule=AttributionRule.objects.get(organization=org, name=name),
        reason="test",
        **change,
    )


def _posted_since(org, sequence):
    return [
        (e.revenue_event.external_id, e.partner.name, e.role, e.kind, e.amount, e.split_percent)
        for e in AttributionEntry.objects.filter(organization=org, sequence__gt=sequence)
        .select_related("revenue_event", "partner")
        .order_by("sequence")
    ]


def _head(org):
    return AttributionEntry.objects.filter(organization=org).order_by("-sequence").first().sequence


CHANGES = [
    ("Line A", {"definition": {**LINE_A, "conditions": {"product_lines": ["plb"]}}}),
    ("Line A", {"definition": {**LINE_A, "action": {"kind": "set_split", "percent": "12.5"}}}),
    ("Enterprise", {"definition": {**ENTERPRISE, "conditions": {"segments": ["smb", "enterprise"]}}}),
    ("Enterprise", {"is_active": False}),
    ("Cap ISV", {"definition": {**CAP_ISV, "conditions": {"roles": ["isv"], "min_amount": "10000"}}}),
    ("Line A", {"definition": {**LINE_A, "conditions": {"product_lines": ["pla"], "roles": ["isv"]}}}),
]


@pytest.mark.parametrize(("name", "change"), CHANGES)
def test_a_rule_change_posts_what_a_full_recompute_posts(name, change):
    # given: two organizations built alike, the same rule changed in both
    narrow_org, full_org = OrganizationFactory(), OrganizationFactory()
    narrow_admin, full_admin = _book(narrow_org), _book(full_org)
    narrow_head, full_head = _head(narrow_org), _head(full_org)
    before = active_rule_specs(organization=narrow_org)
    _change(narrow_org, narrow_admin, name, **change)
    _change(full_org, full_admin, name, **change)
    # when: one recomputes against the rule set before the change, the other everything
    narrow = attribution_recompute(organization=narrow_org, previous_rules=before)
    full = attribution_recompute(organization=full_org)
    after = attribution_recompute(organization=narrow_org)
    # then: the same entries, nothing left for a full recompute, fewer events compared
    assert _posted_since(narrow_org, narrow_head) == _posted_since(full_org, full_head)
    assert (narrow.entries, narrow.total, dict(narrow.by_kind)) == (
        full.entries,
        full.total,
        dict(full.by_kind),
    )
    assert narrow.entries > 0
    assert narrow.events < full.events == 8
    assert (after.entries, _head(narrow_org)) == (0, narrow_head + narrow.entries)


def test_a_rule_change_no_link_can_match_compares_no_event(org):
    # given: a posted book and a rule moved to a product line no deal has
    admin = _book(org)
    head = _head(org)
    before = active_rule_specs(organization=org)
    ProductLineFactory(organization=org, name="Line C", code="plc")
    rule_create(
        organization=admin.organization,
        actor=admin.user, name="Line C", priority=5,
        definition={"action": {"kind": "deny"}, "conditions": {"product_lines": ["plc"]}},
    )  # fmt: skip
    # when
    result = attribution_recompute(organization=org, previous_rules=before)
    # then: nothing compared, nothing posted
    assert (result.events, result.entries) == (0, 0)
    assert _head(org) == head
    assert FiscalPeriod.objects.filter(organization=org).count() == 3
