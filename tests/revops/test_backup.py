"""Organization backup and restore: registry, file, round trip, tampered files, commands, page.

The round trip (backup → restore into a new organization → backup again) compares the two
files sheet by sheet with every id replaced by the row's position in its table, so the
files must hold the same data, ids aside; the ledgers are chained anew, so their hashes are
compared through `verify_ledger` instead.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import models
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from revops.backup.codec import CellError, column_decoder, column_encoder, decode, encode
from revops.backup.reader import BackupSource
from revops.backup.registry import EXCLUDED, OTHER_APPS, backup_tables, unclassified_models
from revops.backup.restore import backup_restore
from revops.backup.writer import README, USERS, backup_write, table_queryset
from revops.exceptions import ApplicationError
from revops.ledger.spec import registered_ledgers
from revops.ledger.verify import ledger_verify
from revops.ledger.writer import ledger_append
from revops.models import (
    Account,
    AuditEvent,
    FiscalPeriod,
    JobRun,
    LedgerHead,
    Membership,
    Opportunity,
    Organization,
    Partner,
    User,
)
from revops.services.backup import BACKUP_KIND, RESTORE_KIND
from revops.services.periods import period_close, periods_ensure
from tests.ledger_kit.models import TEST_LEDGER, KitEntry
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'
QUOTED = "'already quoted"
# Columns a restore recomputes: a ledger entry's chain (it covers the new ids) and a seal's hash.
RESEALED = {"hash", "prev_hash", "key_id", "last_hash"}
# Backups of the `world` organization below, as the writer wrote them before restores went in bulk.
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def world(org, admin, rep, finance_admin):
    """A small organization: tricky text, money, a closed period, a ledger with a reversal."""
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    periods = {p.start_date.month: p for p in FiscalPeriod.objects.filter(organization=org)}
    partner = PartnerFactory(organization=org, name=FORMULA, domain=QUOTED)
    account = AccountFactory(organization=org, name="Tab\there | pipe", owner=rep.user)
    OpportunityFactory(organization=org, account=account, owner=rep.user, amount=Decimal("1234567.89"))
    OpportunityFactory(organization=org, account=account, owner=None, amount=Decimal("0.10"), name="-1")
    ledger_append(
        spec=TEST_LEDGER,
        organization_id=org.pk,
        rows=[
            (periods[1].pk, "original", None, 10_000, partner.pk, "4000", "plain"),
            (periods[1].pk, "original", None, -1_205, partner.pk, "4000", "pipe | tab\tnew\nline"),
        ],
    )
    first = KitEntry.objects.get(organization=org, sequence=1)
    ledger_append(
        spec=TEST_LEDGER,
        organization_id=org.pk,
        rows=[(periods[1].pk, "reversal", first.pk, -10_000, partner.pk, "4000", "=SUM(A1)")],
    )
    period_close(period=periods[1], actor=finance_admin.user)
    ledger_append(
        spec=TEST_LEDGER,
        organization_id=org.pk,
        rows=[(periods[2].pk, "original", None, 30, partner.pk, "4100", "")],
        created_by_id=admin.user.pk,
    )
    return org


def _backup(org, fmt="xlsx", **kwargs) -> bytes:
    buffer = io.BytesIO()
    backup_write(organization=org, target=buffer, fmt=fmt, **kwargs)
    return buffer.getvalue()


def _restore(content: bytes, slug: str, **kwargs):
    return backup_restore(file=io.BytesIO(content), slug=slug, **kwargs)


def _normalised(content: bytes) -> dict[str, list[tuple]]:
    """Every table's rows with ids as positions (0, 1, …) and resealed columns left out."""
    source = BackupSource(io.BytesIO(content))
    readme = source.readme()
    tables = backup_tables()
    raw: dict[str, list[tuple]] = {}
    positions: dict[str, dict] = {}
    for table in tables:
        listing = readme.tables[table.label]
        header = [c.name for c in table.columns]
        rows = [values for _s, _n, values in source.rows(listing.sheets, header, table.label)]
        raw[table.label] = rows
        positions[table.label] = {row[0]: i for i, row in enumerate(rows)}
    result = {}
    for table in tables:
        out = []
        for row in raw[table.label]:
            values = []
            for column, value in zip(table.columns, row, strict=True):
                if column.name in RESEALED:
                    continue
                if column.field.primary_key:
                    value = positions[table.label][value]
                elif column.kind in ("ref", "ledger_ref") and value not in (None, ""):
                    value = ("ref", column.target, positions[column.target][value])
                values.append(value)
            out.append(tuple(values))
        result[table.label] = out
    users = sorted(values[1:] for _s, _n, values in source.users())
    result[USERS] = users
    source.close()
    return result


def _snapshot(org) -> dict[str, tuple]:
    """Row count and money totals of every backed-up table of `org`, counted by the database."""
    snapshot = {}
    for table in backup_tables():
        qs = table_queryset(table, org.pk)
        totals = tuple(qs.aggregate(t=Sum(c.field.attname))["t"] for c in table.money_columns)
        snapshot[table.label] = (qs.count(), totals)
    return snapshot


# --- The registry ------------------------------------------------------------------------------


def test_every_model_is_backed_up_or_excluded_with_a_reason():
    # given every concrete model of the installed apps
    # then each is backed up, excluded with a reason, or in an app that holds no organization data
    assert unclassified_models() == []
    assert all(reason.strip() for reason in [*EXCLUDED.values(), *OTHER_APPS.values()])
    labels = {t.label for t in backup_tables()}
    assert not labels & set(EXCLUDED)
    for expected in (
        "revops.Opportunity",
        "attribution.AttributionEntry",
        "commissions.StatementLine",
        "forecasting.DealScore",
        "distribution.LeadAssignment",
        "partners.DealRegistration",
        "marketing.TouchCredit",
    ):
        assert expected in labels


def test_tables_come_after_the_tables_they_reference():
    tables = backup_tables()
    position = {t.label: i for i, t in enumerate(tables)}
    for table in tables:
        for column in table.columns:
            if column.kind == "ref" and column.name not in table.deferred:
                assert position[column.target] < position[table.label], (table.label, column.name)
        if table.ledger:
            assert table.deferred == ()  # append-only rows are complete when inserted
    # the rule ↔ current version cycle and self-references are completed after the load
    by_label = {t.label: t for t in tables}
    assert by_label["attribution.AttributionRule"].deferred == ("current_version_id",)
    assert by_label["revops.Membership"].deferred == ("manager_id",)


# --- The file ----------------------------------------------------------------------------------


def test_workbook_has_readme_first_then_formatted_sheets_and_text_never_a_formula(world):
    content = _backup(world)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames[0] == README
    assert book.sheetnames[1] == USERS
    partners = book["Partner"]
    assert partners.freeze_panes == "A2"
    assert partners["A1"].font.bold
    header = [c.value for c in partners[1]]
    row = list(partners[2])
    name_cell = row[header.index("name")]
    assert name_cell.data_type == "s"  # a text cell, not a formula
    assert name_cell.value == "'" + FORMULA
    assert row[header.index("domain")].value == "''already quoted"
    readme = [tuple(c.value for c in r) for r in book[README].iter_rows()]
    assert ("Organization", world.name) == readme[2][:2]
    listed = {r[1]: r[3] for r in readme if r and r[1] and str(r[1]).startswith(("revops.", "ledger_kit."))}
    assert listed["revops.Opportunity"] == 2
    assert listed["ledger_kit.KitEntry"] == 4
    totals = {(r[0], r[1]): r[2] for r in readme if r[0] == "Opportunity" and r[1] == "amount"}
    assert totals == {("Opportunity", "amount"): "1234567.99"}
    head = next(r for r in readme if r[0] == "kit_test")
    last = KitEntry.objects.get(organization=world, sequence=4)
    assert head[2:6] == (4, last.hash, 4, "-11.75")
    assert "password" not in " ".join(str(c.value) for c in book[USERS][1])


def test_a_table_past_the_row_limit_continues_on_numbered_sheets(world):
    content = _backup(world, max_rows=1)
    book = load_workbook(io.BytesIO(content), read_only=True)
    assert {"KitEntry", "KitEntry (2)", "KitEntry (3)", "KitEntry (4)"} <= set(book.sheetnames)
    assert {"Opportunity", "Opportunity (2)"} <= set(book.sheetnames)
    result = _restore(content, "split-copy")
    assert result.rows["ledger_kit.KitEntry"] == 4
    assert _normalised(_backup(result.organization)) == _normalised(_backup(world))


# --- Round trip --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "zip"])
def test_restore_gives_back_the_same_data_ids_aside(world, other_org, fmt):
    # given a backup of the organization, and another organization that must stay untouched
    PartnerFactory(organization=other_org, name="Other's partner")
    other_before = _snapshot(other_org)
    first = _backup(world, fmt)
    # when it is restored into a new organization and that one is backed up again
    result = _restore(first, "copy")
    copy = Organization.objects.get(slug="copy")
    second = _backup(copy, fmt)
    # then both files hold the same rows, ids aside
    assert _normalised(second) == _normalised(first)
    assert _snapshot(copy) == _snapshot(world)
    assert result.total_rows == sum(n for n, _totals in _snapshot(world).values())
    assert Opportunity.objects.filter(organization=copy).aggregate(t=Sum("amount"))["t"] == Decimal(
        "1234567.99"
    )
    # the text came back exactly, formula-looking or quoted
    partner = Partner.objects.get(organization=copy)
    assert (partner.name, partner.domain) == (FORMULA, QUOTED)
    memos = list(
        KitEntry.objects.filter(organization=copy).order_by("sequence").values_list("memo", flat=True)
    )
    assert memos == ["plain", "pipe | tab\tnew\nline", "=SUM(A1)", ""]
    # the ledger was chained anew and verifies, head row and seal included
    for spec in registered_ledgers():
        report = ledger_verify(spec=spec, organization=copy)
        assert report.problem is None, (spec.name, report.problem)
    kit = list(KitEntry.objects.filter(organization=copy).order_by("sequence"))
    assert kit[2].corrects_id == kit[0].pk
    head = LedgerHead.objects.get(organization=copy, ledger="kit_test")
    assert (head.last_sequence, head.last_hash) == (4, kit[3].hash)
    # users were re-linked by e-mail, not duplicated
    assert result.users_created == []
    assert (
        Membership.objects.filter(organization=copy).count()
        == Membership.objects.filter(organization=world).count()
    )
    assert set(Membership.objects.filter(organization=copy).values_list("user_id", flat=True)) == set(
        Membership.objects.filter(organization=world).values_list("user_id", flat=True)
    )
    # and the other organization is untouched
    assert _snapshot(other_org) == other_before


def test_round_trip_of_the_demo_organization_covers_every_app(db):
    # given the demo data of one organization (every app seeds its part)
    call_command("seed_demo", "--scale", "0.01", "--today", "2026-03-15", "--org", "acme", "--quiet")
    acme = Organization.objects.get(slug="acme")
    first = _backup(acme)
    apps_with_rows = {t.label.split(".")[0] for t in backup_tables() if table_queryset(t, acme.pk).exists()}
    assert {
        "revops",
        "attribution",
        "marketing",
        "commissions",
        "forecasting",
        "distribution",
        "partners",
    } <= apps_with_rows
    # when restored and backed up again
    _restore(first, "acme-restored")
    copy = Organization.objects.get(slug="acme-restored")
    # then the same data, the same counts and totals, and every ledger verifies
    assert _normalised(_backup(copy)) == _normalised(first)
    assert _snapshot(copy) == _snapshot(acme)
    for spec in registered_ledgers():
        assert ledger_verify(spec=spec, organization=copy).problem is None


@pytest.mark.parametrize("fmt", ["zip", "xlsx"])
def test_a_file_written_by_the_earlier_writer_still_restores(db, fmt):
    # given a backup of the small organization above, written before restores went in bulk
    content = (FIXTURES / f"backup_format_1.{fmt}").read_bytes()
    # when it is restored into a new organization
    result = _restore(content, "from-fixture")
    copy = result.organization
    # then every row, total and ledger entry is back, and the file's own chain was checked
    assert result.rows["revops.Opportunity"] == 2
    assert result.rows["ledger_kit.KitEntry"] == 4
    assert result.source_chain_checked
    # and what this version changed since is named: a table added, a column removed
    assert "forecasting.CurrentScores" in result.not_in_file
    assert "DealScore.is_current" in result.columns_left_out
    assert Opportunity.objects.filter(organization=copy).aggregate(t=Sum("amount"))["t"] == Decimal(
        "1234567.99"
    )
    partner = Partner.objects.get(organization=copy)
    assert (partner.name, partner.domain) == (FORMULA, QUOTED)
    kit = list(KitEntry.objects.filter(organization=copy).order_by("sequence"))
    assert [k.memo for k in kit] == ["plain", "pipe | tab\tnew\nline", "=SUM(A1)", ""]
    assert [k.amount for k in kit] == [
        Decimal("100.00"),
        Decimal("-12.05"),
        Decimal("-100.00"),
        Decimal("0.30"),
    ]
    assert kit[2].corrects_id == kit[0].pk
    assert sum(result.rows.values()) == sum(n for n, _totals in _snapshot(copy).values())
    for spec in registered_ledgers():
        assert ledger_verify(spec=spec, organization=copy).problem is None, spec.name
    # and restoring it again gives the same data, ids aside
    assert _normalised(_backup(copy, fmt)) == _normalised(
        _backup(_restore(content, "again").organization, fmt)
    )


def test_missing_users_are_created_inactive_without_a_password(world, rep):
    content = _backup(world)
    email = rep.user.email
    Membership.objects.filter(user=rep.user).delete()
    Account.objects.filter(owner=rep.user).update(owner=None)
    Opportunity.objects.filter(owner=rep.user).update(owner=None)
    rep.user.delete()
    result = _restore(content, "fresh")
    user = User.objects.get(email=email)
    assert email in result.users_created
    assert not user.is_active
    assert not user.has_usable_password()
    assert Account.objects.get(organization=result.organization).owner == user


# --- Refusals: nothing written -------------------------------------------------------------------


def _edit_cell(content: bytes, sheet: str, column: str, row: int, value) -> bytes:
    book = load_workbook(io.BytesIO(content))
    header = [c.value for c in book[sheet][1]]
    book[sheet].cell(row=row, column=header.index(column) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _readme_total(content: bytes, sheet: str, column: str, value: str) -> bytes:
    book = load_workbook(io.BytesIO(content))
    for r in book[README].iter_rows():
        if r[0].value == sheet and r[1].value == column:
            r[2].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _nothing_restored(slug: str, users_before: int) -> None:
    assert not Organization.objects.filter(slug=slug).exists()
    assert User.objects.count() == users_before
    assert Opportunity.objects.exclude(organization__slug__in=["test-org", "other-org"]).count() == 0


def _refused(content: bytes, slug: str = "bad") -> str:
    users_before = User.objects.count()
    orgs_before = Organization.objects.count()
    with pytest.raises(ApplicationError) as caught:
        _restore(content, slug)
    assert Organization.objects.count() == orgs_before
    assert not Organization.objects.filter(slug=slug).exists()
    assert User.objects.count() == users_before
    return caught.value.message


def test_a_changed_amount_is_refused_and_nothing_is_written(world):
    content = _edit_cell(_backup(world), "Opportunity", "amount", 2, 1.0)
    message = _refused(content)
    assert "sheet 'Opportunity'" in message
    assert "amount totals" in message


def test_a_changed_ledger_amount_is_refused_even_with_the_readme_edited_to_match(world):
    content = _edit_cell(_backup(world), "KitEntry", "amount", 5, 31.0)
    content = _readme_total(content, "KitEntry", "amount", "18.95")
    message = _refused(content)
    assert message.startswith("sheet 'KitEntry', row 5")
    assert "ledger hash" in message


def test_a_missing_sheet_is_refused(world):
    book = load_workbook(io.BytesIO(_backup(world)))
    del book["Account"]
    out = io.BytesIO()
    book.save(out)
    message = _refused(out.getvalue())
    assert "Sheet 'Account' is missing" in message


def _without_column(content: bytes, sheet: str, column: str) -> bytes:
    """The workbook with one column of one sheet deleted, as a file an earlier version wrote."""
    book = load_workbook(io.BytesIO(content))
    header = [c.value for c in book[sheet][1]]
    book[sheet].delete_cols(header.index(column) + 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_file_without_a_column_that_may_be_empty_restores_it_empty(world):
    # given: a file written before opportunities had an expected close date (a nullable column)
    assert Opportunity.objects.filter(organization=world, expected_close_date__isnull=False).exists()
    content = _without_column(_backup(world), "Opportunity", "expected_close_date")
    # when
    copy = _restore(content, "older").organization
    # then: every deal is back, with the column empty and the rest as it was
    restored = Opportunity.objects.filter(organization=copy)
    assert restored.count() == Opportunity.objects.filter(organization=world).count()
    assert not restored.filter(expected_close_date__isnull=False).exists()
    assert sorted(restored.values_list("name", "amount")) == sorted(
        Opportunity.objects.filter(organization=world).values_list("name", "amount")
    )


def test_a_column_this_version_no_longer_has_is_left_out_and_named(world):
    # given: a file with a column the current models do not have
    book = load_workbook(io.BytesIO(_backup(world)))
    sheet = book["Opportunity"]
    sheet.cell(row=1, column=sheet.max_column + 1, value="legacy_flag")
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=sheet.max_column, value="yes")
    out = io.BytesIO()
    book.save(out)
    # when
    result = _restore(out.getvalue(), "removed-column")
    # then
    assert result.columns_left_out == ["Opportunity.legacy_flag"]
    assert Opportunity.objects.filter(organization=result.organization).count() == (
        Opportunity.objects.filter(organization=world).count()
    )


def test_a_file_without_a_column_that_needs_a_value_is_refused(world):
    content = _without_column(_backup(world), "Opportunity", "amount")
    message = _refused(content)
    assert message.startswith("Sheet 'Opportunity', row 1: the columns are ")
    assert "expected id, " in message


def test_a_table_the_file_does_not_list_is_restored_empty_and_named(world):
    # given: a file written before this version had account-partner splits (the README row
    # and the sheet of that table are gone)
    from attribution.models import AccountPartner

    book = load_workbook(io.BytesIO(_backup(world)))
    rows = [r[0].row for r in book[README].iter_rows() if r[1].value == "attribution.AccountPartner"]
    assert len(rows) == 1
    book[README].delete_rows(rows[0])
    del book["AccountPartner"]
    out = io.BytesIO()
    book.save(out)
    # when
    result = _restore(out.getvalue(), "older-tables")
    # then: everything else is back, that table is empty, and the result says so
    assert result.not_in_file == ["attribution.AccountPartner"]
    assert not AccountPartner.objects.filter(organization=result.organization).exists()
    assert Opportunity.objects.filter(organization=result.organization).count() == (
        Opportunity.objects.filter(organization=world).count()
    )


def test_a_broken_reference_names_its_sheet_row_and_column(world):
    content = _edit_cell(_backup(world), "Opportunity", "account_id", 3, 999999)
    message = _refused(content)
    assert message.startswith("sheet 'Opportunity', row 3, column 'account_id': refers to id 999999")


def test_a_bad_cell_names_its_sheet_row_and_column(world):
    content = _edit_cell(_backup(world), "Opportunity", "created_date", 2, "last tuesday")
    message = _refused(content)
    assert message.startswith("sheet 'Opportunity', row 2, column 'created_date': expected a date")


def test_a_file_that_is_no_backup_is_refused(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "not a revops backup" in _refused(buffer.getvalue())
    assert "not a revops backup" in _refused(b"\x89PNG\r\n")


def test_a_non_empty_organization_is_refused(world, other_org):
    PartnerFactory(organization=other_org)
    accounts = Account.objects.count()
    with pytest.raises(ApplicationError) as caught:
        _restore(_backup(world), other_org.slug)
    assert "already holds data (revops.Partner)" in caught.value.message
    assert Account.objects.count() == accounts


def test_the_page_restores_only_into_an_organization_its_admin_runs(world, admin, other_org):
    # given an existing, empty organization the admin is not a member of
    orgs_before = Organization.objects.count()
    with pytest.raises(ApplicationError) as caught:
        _restore(_backup(world), other_org.slug, admin=admin.user)
    assert "you are not its admin" in caught.value.message
    assert not Membership.objects.filter(organization=other_org, user=admin.user).exists()
    assert Account.objects.filter(organization=other_org).count() == 0
    assert Organization.objects.count() == orgs_before


# --- Commands and page -------------------------------------------------------------------------


def test_commands_back_up_and_restore_and_refuse_an_unknown_organization(world, tmp_path):
    target = tmp_path / "org.zip"
    out = io.StringIO()
    call_command("org_backup", "--org", world.slug, "--output", str(target), stdout=out)
    assert zipfile.is_zipfile(target)
    assert "README.csv" in zipfile.ZipFile(target).namelist()
    call_command("org_restore", str(target), "--org", "from-zip", stdout=out)
    assert "ledgers verified" in out.getvalue()
    assert (
        AuditEvent.objects.filter(organization__slug="from-zip").count()
        == AuditEvent.objects.filter(organization=world).count()
    )
    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        call_command("org_backup", "--org", "nope", "--output", str(tmp_path / "x.xlsx"))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="Nothing was restored"):
        call_command("org_restore", str(bad), "--org", "never")
    assert not Organization.objects.filter(slug="never").exists()


def test_admin_page_backs_up_downloads_and_restores(
    world, admin, client_for, django_capture_on_commit_callbacks
):
    client = client_for(admin)
    assert client.get(reverse("revops:backup")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("revops:backup"), {"format": "xlsx"})
    job = JobRun.objects.get(organization=world, kind=BACKUP_KIND)
    assert response.status_code == 302 and response.url == reverse("revops:backup-job", args=[job.pk])
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    page = client.get(reverse("revops:backup-job", args=[job.pk]))
    assert b"backup-download" in page.content
    download = client.get(reverse("revops:backup-download", args=[job.pk]))
    content = b"".join(download.streaming_content)
    assert content[:2] == b"PK"
    upload = io.BytesIO(content)
    upload.name = "backup.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("revops:backup-restore"), {"file": upload, "slug": "page-copy", "name": "Copy"}
        )
    restore = JobRun.objects.get(organization=world, kind=RESTORE_KIND)
    assert restore.status == JobRun.Status.SUCCEEDED, restore.error
    copy = Organization.objects.get(slug="page-copy")
    assert copy.name == "Copy"
    assert Membership.objects.get(organization=copy, user=admin.user).role == "admin"
    assert _snapshot(copy) == _snapshot(world)


def test_each_columns_reader_reads_a_cell_as_decode_does():
    # given every column of every backed-up table and cells of every shape a file holds
    cells = ["", None, "12", " 7 ", "1.50", "-0.005", "true", "0", "2026-03-01", "2026-03-01T10:00:00+00:00"]
    cells += ['{"a": 1}', "'=x", "x", 3, 2.5, True, Decimal("1.25"), dt.date(2026, 1, 2)]
    for table in backup_tables():
        for column in table.columns:
            read = column_decoder(column.field)
            for cell in cells:
                # when the column's reader and `decode` read it
                try:
                    expected = ("value", decode(cell, column.field))
                except CellError as exc:
                    expected = ("error", str(exc))
                try:
                    found = ("value", read(cell))
                except CellError as exc:
                    found = ("error", str(exc))
                # then both give the same value, or the same error
                assert found == expected, (table.label, column.name, cell)


def _values_of(field) -> list:
    """Values a column of `field`'s type holds, None included."""
    aware = dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    by_type = [
        (models.JSONField, [{"a": [1, 2]}, ["=x"], "-1"]),
        (models.BooleanField, [True, False]),
        (models.DecimalField, [Decimal("1.50"), Decimal("-0.05"), Decimal("0.00")]),
        (models.FloatField, [2.5, -0.1]),
        (models.DateTimeField, [aware]),
        (models.DateField, [dt.date(2026, 1, 2)]),
        (models.AutoField | models.IntegerField | models.ForeignKey, [0, 7, -3]),
    ]
    for kind, values in by_type:
        if isinstance(field, kind):
            return [None, *values]
    return [None, "=x", "'q", "plain", "tab\there"]


def test_each_columns_writer_writes_a_csv_cell_as_encode_does():
    # given every column of every backed-up table and values of its type
    for table in backup_tables():
        for column in table.columns:
            write = column_encoder(column.field, spreadsheet=False)
            for value in _values_of(column.field):
                # when the column's writer and `encode` write it
                expected = encode(value, column.field, spreadsheet=False)
                found = write(value)
                # then the CSV text of both is the same
                assert ("" if found is None else str(found)) == ("" if expected is None else str(expected)), (
                    table.label,
                    column.name,
                    value,
                )
