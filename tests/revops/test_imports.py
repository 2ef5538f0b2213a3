"""Opportunity CSV import: all rows valid or nothing written; upsert by external id."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from revops.imports.errors import ImportRefused
from revops.models import AuditEvent, JobRun, Opportunity, OpportunityStageChange
from revops.services.opportunity_import import COLUMNS, opportunity_import
from tests.revops.factories import AccountFactory, OpportunityFactory, ProductLineFactory


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in COLUMNS})
    return out.getvalue()


def row(**overrides) -> dict:
    base = {
        "external_id": "OPP-1",
        "name": "Widgets for Initech",
        "account_external_id": "ACC-1",
        "owner_email": "rep1@acme.test",
        "stage": "proposal",
        "amount": "12500.50",
        "currency": "USD",
        "created_date": "2026-01-10",
        "expected_close_date": "2026-04-30",
        "close_date": "",
        "product_line_code": "analytics",
        "lead_source": "Web",
    }
    return {**base, **overrides}


@pytest.fixture
def account(org):
    return AccountFactory(organization=org, name="Initech", external_id="ACC-1")


@pytest.fixture
def product_line(org):
    return ProductLineFactory(organization=org, name="Analytics", code="analytics")


@pytest.fixture
def known_opportunity(org, account, rep):
    return OpportunityFactory(
        organization=org,
        account=account,
        owner=rep.user,
        external_id="OPP-OLD",
        name="Renewal",
        stage="qualification",
        amount=Decimal("5000.00"),
        created_date=dt.date(2025, 11, 1),
        expected_close_date=dt.date(2026, 2, 28),
        lead_source="Partner",
    )


def snapshot_counts() -> tuple[int, int, int]:
    return Opportunity.objects.count(), OpportunityStageChange.objects.count(), AuditEvent.objects.count()


def test_import_creates_updates_and_skips_unchanged_rows(
    org, manager, rep, account, product_line, known_opportunity
):
    # given
    unchanged = OpportunityFactory(
        organization=org,
        account=account,
        owner=rep.user,
        external_id="OPP-SAME",
        name="Same",
        stage="prospecting",
        amount=Decimal("100.00"),
        created_date=dt.date(2026, 1, 2),
        expected_close_date=None,
        lead_source="",
    )
    text = csv_text(
        [
            row(),
            row(
                external_id="OPP-2",
                name="Closed deal",
                stage="Closed won",
                amount="1,000",
                currency="",
                close_date="2026-03-01",
                product_line_code="",
                owner_email="",
            ),
            row(
                external_id="OPP-OLD",
                name="Renewal",
                stage="negotiation",
                amount="5000",
                created_date="2025-11-01",
                expected_close_date="2026-02-28",
                product_line_code="",
                lead_source="Partner",
            ),
            row(
                external_id="OPP-SAME",
                name="Same",
                stage="prospecting",
                amount="100.00",
                created_date="2026-01-02",
                expected_close_date="",
                product_line_code="",
                lead_source="",
            ),
        ]
    )

    # when
    counts = opportunity_import(organization=org, content=text.encode(), actor=manager.user)

    # then
    assert counts.counts == {"create": 2, "update": 1, "unchanged": 1}
    created = Opportunity.objects.get(organization=org, external_id="OPP-1")
    assert (created.name, created.account, created.owner, created.stage) == (
        "Widgets for Initech",
        account,
        rep.user,
        "proposal",
    )
    assert (created.amount, created.currency, created.product_line, created.lead_source) == (
        Decimal("12500.50"),
        "USD",
        product_line,
        "Web",
    )
    assert (created.created_date, created.expected_close_date, created.close_date) == (
        dt.date(2026, 1, 10),
        dt.date(2026, 4, 30),
        None,
    )
    won = Opportunity.objects.get(organization=org, external_id="OPP-2")
    assert (won.stage, won.amount, won.currency, won.owner, won.close_date, won.product_line) == (
        "closed_won",
        Decimal("1000.00"),
        "USD",
        None,
        dt.date(2026, 3, 1),
        None,
    )
    known_opportunity.refresh_from_db()
    assert known_opportunity.stage == "negotiation"
    history = {
        (c.opportunity.external_id, c.from_stage, c.to_stage, c.amount, c.changed_by)
        for c in OpportunityStageChange.objects.select_related("opportunity")
    }
    assert history == {
        ("OPP-1", "", "proposal", Decimal("12500.50"), manager.user),
        ("OPP-2", "", "closed_won", Decimal("1000.00"), manager.user),
        ("OPP-OLD", "qualification", "negotiation", Decimal("5000.00"), manager.user),
    }
    assert unchanged.stage_changes.count() == 0
    audit = AuditEvent.objects.get(action="opportunity.import")
    assert (audit.organization, audit.actor, audit.after) == (
        org,
        manager.user,
        {"create": 2, "update": 1, "unchanged": 1, "total_amount": "18600.50"},
    )


@pytest.mark.parametrize(
    ("_case", "overrides", "expected"),
    [
        ("amount_text", {"amount": "lots"}, "line 3, amount: 'lots' is not a number in the format 1,234.56"),
        ("amount_missing", {"amount": ""}, "line 3, amount: is required"),
        ("amount_negative", {"amount": "-1.00"}, "line 3, amount: must not be negative"),
        ("amount_nan", {"amount": "NaN"}, "line 3, amount: 'NaN' is not a number in the format 1,234.56"),
        (
            "stage_unknown",
            {"stage": "won"},
            "line 3, stage: unknown stage 'won' (use one of: prospecting, qualification, proposal, "
            "negotiation, closed_won, closed_lost)",
        ),
        (
            "account_unknown",
            {"account_external_id": "ACC-404"},
            "line 3, account_external_id: no account with external id 'ACC-404'",
        ),
        ("account_missing", {"account_external_id": ""}, "line 3, account_external_id: is required"),
        (
            "product_line_unknown",
            {"product_line_code": "hardware"},
            "line 3, product_line_code: no product line with code 'hardware'",
        ),
        (
            "owner_not_member",
            {"owner_email": "stranger@example.com"},
            "line 3, owner_email: 'stranger@example.com' is not a member of this organization",
        ),
        (
            "created_date_bad",
            {"created_date": "2026-13-01"},
            "line 3, created_date: '2026-13-01' is not a date (use YYYY-MM-DD)",
        ),
        (
            "close_date_bad",
            {"close_date": "01/03/2026"},
            "line 3, close_date: '01/03/2026' is not a date (use YYYY-MM-DD)",
        ),
        ("created_date_missing", {"created_date": ""}, "line 3, created_date: is required"),
        (
            "closed_without_close_date",
            {"stage": "closed_lost", "close_date": ""},
            "line 3, close_date: is required for a closed opportunity",
        ),
        (
            "close_before_created",
            {"close_date": "2025-12-31"},
            "line 3, close_date: is before created_date",
        ),
        ("name_missing", {"name": ""}, "line 3, name: is required"),
        ("external_id_missing", {"external_id": ""}, "line 3, external_id: is required"),
        (
            "external_id_too_long",
            {"external_id": "X" * 65},
            "line 3, external_id: is longer than 64 characters",
        ),
        ("currency_bad", {"currency": "US"}, "line 3, currency: 'US' is not a 3-letter currency code"),
    ],
)
def test_import_bad_row_names_line_and_field_and_writes_nothing(
    _case, overrides, expected, org, manager, rep, account, product_line, known_opportunity
):
    # given
    text = csv_text([row(), row(**{"external_id": "OPP-OLD", "stage": "proposal", **overrides})])
    before = snapshot_counts()

    # when
    with pytest.raises(ImportRefused) as excinfo:
        opportunity_import(organization=org, content=text.encode(), actor=manager.user)

    # then
    assert excinfo.value.errors == [expected]
    assert snapshot_counts() == before
    known_opportunity.refresh_from_db()
    assert (known_opportunity.stage, known_opportunity.amount) == ("qualification", Decimal("5000.00"))
    assert not Opportunity.objects.filter(external_id="OPP-1").exists()


def test_import_lists_every_bad_row_with_its_line(org, manager, rep, account, product_line):
    # given
    text = csv_text([row(amount="x"), row(external_id="OPP-2"), row(external_id="OPP-3", stage="")])
    before = snapshot_counts()

    # when
    with pytest.raises(ImportRefused) as excinfo:
        opportunity_import(organization=org, content=text.encode(), actor=manager.user)

    # then
    assert excinfo.value.errors == [
        "line 2, amount: 'x' is not a number in the format 1,234.56",
        "line 4, stage: is required",
    ]
    assert snapshot_counts() == before


def test_import_refuses_duplicate_external_ids_in_the_file(org, manager, rep, account, product_line):
    # given
    text = csv_text([row(), row(external_id="OPP-2"), row(name="Again")])
    before = snapshot_counts()

    # when
    with pytest.raises(ImportRefused) as excinfo:
        opportunity_import(organization=org, content=text.encode(), actor=manager.user)

    # then
    assert excinfo.value.errors == ["line 4, external_id: 'OPP-1' already appears on line 2"]
    assert snapshot_counts() == before


def test_import_refuses_another_organizations_account(org, other_org, manager, rep, product_line):
    # given
    AccountFactory(organization=other_org, name="Globex Corp", external_id="ACC-GLOBEX")
    text = csv_text([row(account_external_id="ACC-GLOBEX")])
    before = snapshot_counts()

    # when
    with pytest.raises(ImportRefused) as excinfo:
        opportunity_import(organization=org, content=text.encode(), actor=manager.user)

    # then
    assert excinfo.value.errors == ["line 2, account_external_id: no account with external id 'ACC-GLOBEX'"]
    assert snapshot_counts() == before


def test_import_refuses_owner_from_another_organization(org, other_org_admin, manager, account, product_line):
    # given
    text = csv_text([row(owner_email="admin@globex.test")])
    before = snapshot_counts()

    # when
    with pytest.raises(ImportRefused) as excinfo:
        opportunity_import(organization=org, content=text.encode(), actor=manager.user)

    # then
    assert excinfo.value.errors == [
        "line 2, owner_email: 'admin@globex.test' is not a member of this organization"
    ]
    assert snapshot_counts() == before


def test_import_does_not_touch_another_organizations_opportunity_with_the_same_id(
    org, other_org, manager, rep, account, product_line
):
    # given
    theirs = OpportunityFactory(organization=other_org, external_id="OPP-1", name="Theirs", stage="proposal")

    # when
    counts = opportunity_import(organization=org, content=csv_text([row()]).encode(), actor=manager.user)

    # then
    assert counts.counts == {"create": 1, "update": 0, "unchanged": 0}
    theirs.refresh_from_db()
    assert (theirs.name, theirs.organization) == ("Theirs", other_org)
    assert Opportunity.objects.filter(external_id="OPP-1").count() == 2


def test_import_refuses_a_file_without_required_columns(org, manager):
    # given
    text = "external_id,name,stage\nOPP-1,Deal,proposal\n"
    before = snapshot_counts()

    # when
    with pytest.raises(ImportRefused) as excinfo:
        opportunity_import(organization=org, content=text.encode(), actor=manager.user)

    # then
    assert excinfo.value.errors == ["line 1: missing column(s): account_external_id, amount, created_date"]
    assert snapshot_counts() == before


def test_import_refuses_a_file_without_rows(org, manager):
    # given
    text = csv_text([])
    before = snapshot_counts()

    # when
    with pytest.raises(ImportRefused) as excinfo:
        opportunity_import(organization=org, content=text.encode(), actor=manager.user)

    # then
    assert excinfo.value.errors == ["The file has no rows to import."]
    assert snapshot_counts() == before


def test_import_twice_changes_nothing_the_second_time(org, manager, rep, account, product_line):
    # given
    text = csv_text([row(), row(external_id="OPP-2", stage="closed_lost", close_date="2026-02-01")])
    opportunity_import(organization=org, content=text.encode(), actor=manager.user)
    opportunities, changes, _ = snapshot_counts()

    # when
    counts = opportunity_import(organization=org, content=text.encode(), actor=manager.user)

    # then
    assert counts.counts == {"create": 0, "update": 0, "unchanged": 2}
    assert snapshot_counts()[:2] == (opportunities, changes) == (2, 2)


def test_import_command_prints_counts(org, manager, rep, account, product_line, tmp_path):
    # given
    path = tmp_path / "opportunities.csv"
    path.write_text(csv_text([row(), row(external_id="OPP-2")]), encoding="utf-8")
    out = io.StringIO()

    # when
    call_command("import_opportunities", str(path), org="acme", acting_email="manager@acme.test", stdout=out)

    # then
    job = JobRun.objects.get(kind="import.opportunities")
    assert out.getvalue() == (
        f"Job #{job.pk}: 2 rows; created 2, updated 0, unchanged 0; total amount 25001.00\n"
    )
    assert set(Opportunity.objects.filter(organization=org).values_list("external_id", flat=True)) == {
        "OPP-1",
        "OPP-2",
    }
    assert AuditEvent.objects.get(action="opportunity.import").actor == manager.user


def test_import_command_prints_row_errors_and_fails(org, manager, rep, account, product_line, tmp_path):
    # given
    path = tmp_path / "opportunities.csv"
    path.write_text(csv_text([row(amount="-5"), row(external_id="OPP-2", stage="lost")]), encoding="utf-8")
    err = io.StringIO()
    before = snapshot_counts()

    # when
    with pytest.raises(CommandError) as excinfo:
        call_command("import_opportunities", str(path), org="acme", stderr=err)

    # then
    job = JobRun.objects.get(kind="import.opportunities")
    assert (job.status, str(excinfo.value)) == (
        "failed",
        f"Job #{job.pk}: 2 problem(s); nothing was imported.",
    )
    assert err.getvalue().splitlines() == [
        "line 2, amount: must not be negative",
        "line 3, stage: unknown stage 'lost' (use one of: prospecting, qualification, proposal, "
        "negotiation, closed_won, closed_lost)",
    ]
    assert snapshot_counts() == before


def test_import_command_refuses_unknown_organization(org, tmp_path):
    # given
    path = tmp_path / "opportunities.csv"
    path.write_text(csv_text([row()]), encoding="utf-8")
    before = snapshot_counts()

    # when
    with pytest.raises(CommandError) as excinfo:
        call_command("import_opportunities", str(path), org="nope")

    # then
    assert str(excinfo.value) == "No organization with slug 'nope'."
    assert snapshot_counts() == before
