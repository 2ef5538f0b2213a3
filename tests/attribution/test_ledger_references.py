"""What guards the ledger's references on the narrow entry row (migration 0006).

No column keeps a database foreign key: the kit's writer checks each posting's distinct
references once (organization through its head row, periods, revenue event, partner, rule
version, explanation, author), on both write paths. Only the indexes reads need stay.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from attribution.models import AttributionEntry, AttributionRuleVersion
from attribution.services.posting import EntryLine, ledger_post
from attribution.services.rules import rule_create
from revops.exceptions import ApplicationError
from revops.models import FiscalPeriod
from revops.services.periods import periods_ensure
from tests.attribution.factories import RevenueEventFactory
from tests.revops.factories import PartnerFactory

pytestmark = pytest.mark.django_db

RULE = {"action": {"kind": "set_split", "percent": "10"}, "conditions": {}}


def _january(organization):
    periods_ensure(organization=organization, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31))
    return FiscalPeriod.objects.get(organization=organization, start_date=dt.date(2026, 1, 1))


def _line(org, period, **overrides):
    fields = {
        "revenue_event_id": RevenueEventFactory(organization=org, date=dt.date(2026, 1, 10)).pk,
        "partner_id": PartnerFactory(organization=org).pk,
        "role": "referral",
        "scope": "opportunity",
        "split_percent": Decimal("10"),
        "amount": Decimal("12.34"),
        "period_id": period.pk,
        "revenue_period_id": period.pk,
    }
    return EntryLine(**{**fields, **overrides})


def test_posting_refuses_another_organizations_revenue_period_and_writes_nothing(org, other_org):
    # given
    january = _january(org)
    foreign = _january(other_org)
    lines = [_line(org, january), _line(org, january, revenue_period_id=foreign.pk)]
    # when
    with pytest.raises(ApplicationError, match=f"Unknown revenue period {foreign.pk} "):
        ledger_post(organization=org, lines=lines)
    # then
    assert AttributionEntry.objects.count() == 0


def test_posting_refuses_an_unknown_posting_period_and_writes_nothing(org, other_org):
    # given
    january = _january(org)
    foreign = _january(other_org)
    # when
    with pytest.raises(ApplicationError, match=f"Unknown period {foreign.pk} "):
        ledger_post(organization=org, lines=[_line(org, january, period_id=foreign.pk)])
    # then
    assert AttributionEntry.objects.count() == 0


def test_posting_refuses_another_organizations_rule_version_and_writes_nothing(org, other_org_admin, admin):
    # given
    january = _january(org)
    own_rule, _, _ = rule_create(
        organization=admin.organization, actor=admin.user, name="Ours", definition=RULE
    )
    foreign_rule, _, _ = rule_create(
        organization=other_org_admin.organization, actor=other_org_admin.user, name="Theirs", definition=RULE
    )
    own = AttributionRuleVersion.objects.get(rule=own_rule)
    foreign = AttributionRuleVersion.objects.get(rule=foreign_rule)
    lines = [_line(org, january, rule_version_id=own.pk), _line(org, january, rule_version_id=foreign.pk)]
    # when
    with pytest.raises(ApplicationError, match=f"Unknown rule version {foreign.pk} "):
        ledger_post(organization=org, lines=lines)
    # then
    assert AttributionEntry.objects.count() == 0


def test_posting_accepts_its_own_rule_version_and_revenue_period(org, admin):
    # given
    january = _january(org)
    rule, _, _ = rule_create(organization=admin.organization, actor=admin.user, name="Ours", definition=RULE)
    version = AttributionRuleVersion.objects.get(rule=rule)
    # when
    count = ledger_post(organization=org, lines=[_line(org, january, rule_version_id=version.pk)])
    # then
    entry = AttributionEntry.objects.get(organization=org)
    assert count == 1
    assert (entry.rule_version_id, entry.revenue_period_id, entry.amount) == (
        version.pk,
        january.pk,
        Decimal("12.34"),
    )


@pytest.mark.parametrize("use_copy", [False, pytest.param(True, marks=pytest.mark.postgres)])
@pytest.mark.parametrize("_case", ["missing", "other organization's"])
def test_posting_refuses_an_unknown_revenue_event_and_writes_nothing(org, other_org, _case, use_copy):
    # given
    january = _january(org)
    own = RevenueEventFactory(organization=org, date=dt.date(2026, 1, 10)).pk
    foreign = RevenueEventFactory(organization=other_org, date=dt.date(2026, 1, 10)).pk
    bad = foreign if _case == "other organization's" else foreign + 1000
    lines = [_line(org, january, revenue_event_id=own), _line(org, january, revenue_event_id=bad)]
    # when
    with pytest.raises(ApplicationError, match=f"^Unknown revenue event {bad} for this organization.$"):
        ledger_post(organization=org, lines=lines, use_copy=use_copy)
    # then
    assert AttributionEntry.objects.count() == 0


def test_posting_refuses_another_organizations_partner_and_writes_nothing(org, other_org):
    # given
    january = _january(org)
    foreign = PartnerFactory(organization=other_org).pk
    # when
    with pytest.raises(ApplicationError, match=f"^Unknown partner {foreign} for this organization.$"):
        ledger_post(organization=org, lines=[_line(org, january), _line(org, january, partner_id=foreign)])
    # then
    assert AttributionEntry.objects.count() == 0


@pytest.mark.postgres
def test_ledger_table_keeps_no_foreign_key_and_only_the_indexes_reads_need():
    # given
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AttributionEntry._meta.db_table)
    # when
    foreign_keys = sorted(c["columns"][0] for c in constraints.values() if c["foreign_key"])
    indexes = sorted(
        tuple(c["columns"])
        for c in constraints.values()
        if (c["index"] or c["unique"]) and not c["primary_key"]
    )
    # then
    assert foreign_keys == []
    assert indexes == [
        ("organization_id", "partner_id"),
        ("organization_id", "period_id"),
        ("organization_id", "sequence"),
        ("revenue_event_id", "partner_id", "role", "amount", "kind", "id"),  # covering: posted sums
    ]
