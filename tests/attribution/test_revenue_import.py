"""Revenue event import: all or nothing, errors by line and field, idempotent by external id."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from attribution.models import AttributionEntry, RevenueEvent
from attribution.services.revenue import revenue_events_import
from revops.imports.errors import ImportRefused
from revops.models import JobRun
from tests.attribution.factories import AccountPartnerFactory, OpportunityPartnerFactory
from tests.revops.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

GOOD = [
    "account_external_id,opportunity_external_id,date,amount,external_id",
    ",OPP-1,2026-02-01,1000.00,inv-1",
    "ACC-2,,2026-02-02,300.00,day-1",
]


@pytest.fixture
def targets(org):
    deal = OpportunityFactory(organization=org, external_id="OPP-1")
    OpportunityPartnerFactory(organization=org, opportunity=deal, split_percent=Decimal("10"))
    account = AccountFactory(organization=org, external_id="ACC-2")
    AccountPartnerFactory(organization=org, account=account, split_percent=Decimal("25"))
    return deal, account


def test_import_creates_events_and_attributes_them(org, targets):
    # given
    deal, account = targets
    # when
    result = revenue_events_import(organization=org, lines=GOOD)
    # then
    events = list(
        RevenueEvent.objects.filter(organization=org).values_list(
            "external_id", "opportunity_id", "account_id", "date", "amount"
        )
    )
    assert events == [
        ("inv-1", deal.pk, deal.account_id, dt.date(2026, 2, 1), Decimal("1000.00")),
        ("day-1", None, account.pk, dt.date(2026, 2, 2), Decimal("300.00")),
    ]
    assert (result.counts, result.extra) == (
        {"create": 2, "update": 0, "unchanged": 0},
        {"posted_entries": 2},
    )
    assert sorted(AttributionEntry.objects.values_list("scope", "amount")) == [
        ("account", Decimal("75.00")),
        ("opportunity", Decimal("100.00")),
    ]


def test_importing_the_same_file_twice_adds_nothing(org, targets):
    # given
    revenue_events_import(organization=org, lines=GOOD)
    # when
    again = revenue_events_import(organization=org, lines=GOOD)
    # then
    assert (again.counts, again.extra) == ({"create": 0, "update": 0, "unchanged": 2}, {"posted_entries": 0})
    assert RevenueEvent.objects.count() == 2
    assert AttributionEntry.objects.count() == 2


def test_bad_rows_are_reported_by_line_and_field_and_nothing_is_written(org, targets):
    # given
    lines = [
        "account_external_id,opportunity_external_id,date,amount,external_id",
        ",OPP-1,2026-02-01,1000.00,ok-1",
        ",OPP-404,2026-02-30,12.345,bad-1",
        ",,2026-02-01,5,",
        "ACC-2,,2026-02-03,abc,ok-2",
        ",OPP-404,2026-02-04,1.00,bad-2",
    ]
    # when
    with pytest.raises(ImportRefused) as raised:
        revenue_events_import(organization=org, lines=lines)
    # then
    assert raised.value.errors == [
        "line 3, date: '2026-02-30' is not a date (use YYYY-MM-DD)",
        "line 3, amount: '12.345' has more than 2 decimal places",
        "line 4, external_id: is required",
        "line 4, account_external_id: give an account_external_id or an opportunity_external_id",
        "line 5, amount: 'abc' is not a number in the format 1234.56",
        "line 6, opportunity_external_id: no opportunity with external id 'OPP-404'",
    ]
    assert RevenueEvent.objects.count() == 0
    assert AttributionEntry.objects.count() == 0


def test_an_external_id_repeated_in_the_file_is_an_error(org, targets):
    # given
    lines = [GOOD[0], ",OPP-1,2026-02-01,10.00,x", ",OPP-1,2026-02-02,20.00,x"]
    # when
    with pytest.raises(ImportRefused) as raised:
        revenue_events_import(organization=org, lines=lines)
    # then
    assert raised.value.errors == ["line 3, external_id: 'x' already appears on line 2"]
    assert RevenueEvent.objects.count() == 0
    assert AttributionEntry.objects.count() == 0


def test_another_organizations_external_ids_are_unknown(org, other_org, targets):
    # when
    with pytest.raises(ImportRefused) as raised:
        revenue_events_import(organization=other_org, lines=GOOD)
    # then
    assert raised.value.errors == [
        "line 2, opportunity_external_id: no opportunity with external id 'OPP-1'",
        "line 3, account_external_id: no account with external id 'ACC-2'",
    ]
    assert RevenueEvent.objects.count() == 0
    assert AttributionEntry.objects.count() == 0


def test_command_imports_a_file_and_reports_errors(org, targets, tmp_path, capsys):
    # given
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("\n".join(GOOD) + "\n")
    bad.write_text(GOOD[0] + "\n,OPP-1,not-a-date,1.00,z\n")
    # when
    call_command("import_revenue_events", str(good), "--org", org.slug)
    with pytest.raises(CommandError, match=r"1 problem\(s\); nothing was imported"):
        call_command("import_revenue_events", str(bad), "--org", org.slug)
    # then
    out, err = capsys.readouterr()
    job = JobRun.objects.get(kind="import.revenue_events", status="succeeded")
    assert out.strip() == (
        f"Job #{job.pk}: 2 rows; created 2, updated 0, unchanged 0; total amount 1300.00; posted_entries 2"
    )
    assert err.strip() == "line 2, date: 'not-a-date' is not a date (use YYYY-MM-DD)"
    assert sorted(RevenueEvent.objects.values_list("external_id", flat=True)) == ["day-1", "inv-1"]
    assert AttributionEntry.objects.count() == 2
