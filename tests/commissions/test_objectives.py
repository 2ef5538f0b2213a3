"""The objectives grid: cells edited in place, rows and columns filled, import and export, all
audited; closed months read-only; everyone sees only the reps in their scope."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from commissions.models import BusinessObjective
from commissions.services.objectives import objective_set, objectives_fill
from commissions.services.objectives_import import OBJECTIVES_IMPORT
from revops.exceptions import ApplicationError
from revops.imports.errors import ImportRefused
from revops.imports.pipeline import import_apply
from revops.models import AuditEvent, FiscalPeriod, ProductLine
from revops.services.periods import period_close
from tests.commissions.conftest import FEB, JAN, MAR

pytestmark = pytest.mark.django_db

GRID = reverse("commissions:objectives")
CELL = reverse("commissions:objective-cell")
FILL = reverse("commissions:objective-fill")
APR = dt.date(2026, 4, 1)


@pytest.fixture
def named(rep, other_rep):
    for membership, (first, last) in ((rep, ("Rhea", "Quill")), (other_rep, ("Otto", "Vance"))):
        membership.user.first_name, membership.user.last_name = first, last
        membership.user.save()


def _close_january(org, actor):
    period_close(period=FiscalPeriod.objects.get(organization=org, start_date=JAN), actor=actor)


def _objectives(rep_user, line):
    return dict(
        BusinessObjective.objects.filter(rep=rep_user, product_line=line).values_list("month", "amount")
    )


def _line(code):
    return ProductLine.objects.get(code=code)


# --- services ------------------------------------------------------------------------------------


def test_setting_a_cell_creates_updates_and_clears_with_an_audit_row_each(
    org, rep, finance_admin, commission_book
):
    # given
    line = _line("p")
    # when: set April, change March, clear February
    changes = [
        objective_set(
            organization=org,
            actor=finance_admin.user,
            rep_id=rep.user_id,
            product_line_id=line.pk,
            month=month,
            amount=amount,
        )
        for month, amount in ((APR, Decimal("12000")), (MAR, Decimal("11000.50")), (FEB, None))
    ]
    # then
    assert changes == [True, True, True]
    assert _objectives(rep.user, line) == {
        JAN: Decimal("10000.00"),
        MAR: Decimal("11000.50"),
        APR: Decimal("12000.00"),
    }
    audits = list(AuditEvent.objects.filter(action="commissions.objective.set").order_by("pk"))
    assert [(a.before["month"], a.before["amount"], a.after["amount"]) for a in audits] == [
        ("2026-04-01", None, "12000.00"),
        ("2026-03-01", "10000.00", "11000.50"),
        ("2026-02-01", "10000.00", None),
    ]
    assert {a.actor_id for a in audits} == {finance_admin.user_id}


def test_setting_the_same_amount_again_changes_nothing(org, rep, finance_admin, commission_book):
    # when
    changed = objective_set(
        organization=org,
        actor=finance_admin.user,
        rep_id=rep.user_id,
        product_line_id=_line("p").pk,
        month=JAN,
        amount=Decimal("10000"),
    )
    # then
    assert changed is False
    assert not AuditEvent.objects.filter(action="commissions.objective.set").exists()


@pytest.mark.parametrize(
    ("_case", "amount", "message"),
    [
        ("negative", Decimal("-1"), "from 0"),
        ("past the cent", Decimal("10.005"), "two decimals"),
    ],
)
def test_a_bad_amount_is_refused_and_nothing_changes(
    org, rep, finance_admin, commission_book, _case, amount, message
):
    # given
    line = _line("p")
    before = _objectives(rep.user, line)
    # when
    with pytest.raises(ApplicationError) as refused:
        objective_set(
            organization=org,
            actor=finance_admin.user,
            rep_id=rep.user_id,
            product_line_id=line.pk,
            month=JAN,
            amount=amount,
        )
    # then
    assert message in refused.value.message
    assert _objectives(rep.user, line) == before
    assert not AuditEvent.objects.filter(action="commissions.objective.set").exists()


def test_a_closed_month_is_read_only(org, rep, finance_admin, commission_book):
    # given
    _close_january(org, finance_admin.user)
    line = _line("p")
    # when
    with pytest.raises(ApplicationError) as refused:
        objective_set(
            organization=org,
            actor=finance_admin.user,
            rep_id=rep.user_id,
            product_line_id=line.pk,
            month=JAN,
            amount=Decimal("1"),
        )
    # then
    assert refused.value.message == "January 2026 is closed: its objectives are read-only."
    assert _objectives(rep.user, line)[JAN] == Decimal("10000.00")
    assert not AuditEvent.objects.filter(action="commissions.objective.set").exists()


def test_filling_a_row_leaves_closed_months_and_counts_what_changed(org, rep, finance_admin, commission_book):
    # given: January closed, February already 10,000
    _close_january(org, finance_admin.user)
    line = _line("p")
    months = [dt.date(2026, m, 1) for m in range(1, 13)]
    # when
    result = objectives_fill(
        organization=org,
        actor=finance_admin.user,
        cells=[(rep.user_id, line.pk, m) for m in months],
        amount=Decimal("10000"),
    )
    # then: February and March were already so; April to December are new
    assert (result.changed, result.unchanged, result.closed) == (9, 2, 1)
    assert _objectives(rep.user, line) == {m: Decimal("10000.00") for m in months}
    assert AuditEvent.objects.filter(action="commissions.objective.set").count() == 9


def test_an_objective_for_someone_outside_the_organization_is_refused(
    org, other_org_admin, finance_admin, commission_book
):
    # when
    with pytest.raises(ApplicationError):
        objective_set(
            organization=org,
            actor=finance_admin.user,
            rep_id=other_org_admin.user_id,
            product_line_id=_line("p").pk,
            month=APR,
            amount=Decimal("5"),
        )
    # then
    assert not BusinessObjective.objects.filter(rep=other_org_admin.user).exists()


# --- pages ---------------------------------------------------------------------------------------


def test_finance_sees_every_rep_and_line_with_totals(org, finance_admin, named, commission_book, client_for):
    # when
    response = client_for(finance_admin).get(GRID, {"year": "2026"})
    # then
    assert response.status_code == 200
    grid = response.context["grid"]
    assert [(r.rep_name, r.product_line, r.total) for r in grid.rows] == [
        ("Otto Vance", "Line P", Decimal("24000.00")),
        ("Otto Vance", "Line Q", Decimal("15000.00")),
        ("Rhea Quill", "Line P", Decimal("30000.00")),
        ("Rhea Quill", "Line Q", Decimal("15000.00")),
    ]
    assert grid.month_totals[:4] == [Decimal(v) for v in ("27000.00", "29000.00", "28000.00", "0.00")]
    assert grid.can_edit is True
    assert response.content.count(b'name="amount"') == 4 * 12 + 4 + 12  # cells, row fills, column fills


def test_a_rep_sees_only_their_own_rows_and_cannot_edit(org, rep, named, commission_book, client_for):
    # when
    response = client_for(rep).get(GRID, {"year": "2026"})
    # then
    grid = response.context["grid"]
    assert [(r.rep_name, r.product_line) for r in grid.rows] == [
        ("Rhea Quill", "Line P"),
        ("Rhea Quill", "Line Q"),
    ]
    assert b"Otto Vance" not in response.content
    assert b'name="amount"' not in response.content
    exported = client_for(rep).get(GRID, {"year": "2026", "export": "csv"})
    assert b"Otto" not in exported.content and b"rep2@acme.test" not in exported.content


def test_a_team_manager_sees_their_reports_only(org, manager, named, commission_book, client_for):
    # when
    response = client_for(manager).get(GRID, {"year": "2026"})
    # then
    assert {r.rep_name for r in response.context["grid"].rows} == {"Rhea Quill"}
    assert b"Otto Vance" not in response.content


def test_a_closed_month_shows_no_input(org, finance_admin, commission_book, client_for):
    # given
    _close_january(org, finance_admin.user)
    # when
    response = client_for(finance_admin).get(GRID, {"year": "2026"})
    # then: eleven open months per row, and the column fill only for them
    assert response.content.count(b'name="amount"') == 4 * 11 + 4 + 11
    assert all(row.cells[0].closed and not row.cells[0].editable for row in response.context["grid"].rows)


def test_editing_a_cell_with_htmx_answers_the_cell(org, rep, finance_admin, commission_book, client_for):
    # when
    response = client_for(finance_admin).post(
        CELL,
        {"rep": rep.user_id, "product_line": _line("q").pk, "month": "2026-04", "amount": "7500"},
        headers={"HX-Request": "true"},
    )
    # then
    assert response.status_code == 200
    assert b'value="7500.00"' in response.content
    assert b"<tr" not in response.content
    assert _objectives(rep.user, _line("q"))[APR] == Decimal("7500.00")


def test_a_bad_cell_answers_its_error_and_changes_nothing(
    org, rep, finance_admin, commission_book, client_for
):
    # given
    before = _objectives(rep.user, _line("p"))
    # when
    response = client_for(finance_admin).post(
        CELL,
        {"rep": rep.user_id, "product_line": _line("p").pk, "month": "2026-01", "amount": "12,5x"},
        headers={"HX-Request": "true"},
    )
    # then: the typed text stays in the cell with the error
    assert response.status_code == 200
    assert b"Enter an amount, e.g. 12500 or 12500.50." in response.content
    assert b'value="12,5x"' in response.content
    assert _objectives(rep.user, _line("p")) == before
    assert not AuditEvent.objects.filter(action="commissions.objective.set").exists()


def test_a_cell_in_a_closed_month_answers_why(org, rep, finance_admin, commission_book, client_for):
    # given
    _close_january(org, finance_admin.user)
    # when
    response = client_for(finance_admin).post(
        CELL,
        {"rep": rep.user_id, "product_line": _line("p").pk, "month": "2026-01", "amount": "1"},
        headers={"HX-Request": "true"},
    )
    # then
    assert b"January 2026 is closed" in response.content
    assert _objectives(rep.user, _line("p"))[JAN] == Decimal("10000.00")


def test_a_rep_cannot_edit_even_their_own_cell(org, rep, commission_book, client_for):
    # when
    response = client_for(rep).post(
        CELL, {"rep": rep.user_id, "product_line": _line("p").pk, "month": "2026-04", "amount": "1"}
    )
    # then
    assert response.status_code == 403
    assert APR not in _objectives(rep.user, _line("p"))


def test_another_organizations_admin_does_not_find_the_rep(
    org, rep, other_org_admin, commission_book, client_for
):
    # when
    response = client_for(other_org_admin).post(
        CELL, {"rep": rep.user_id, "product_line": _line("p").pk, "month": "2026-04", "amount": "1"}
    )
    # then
    assert response.status_code == 404
    assert APR not in _objectives(rep.user, _line("p"))


def test_filling_a_column_fills_every_row_in_scope(
    org, rep, other_rep, finance_admin, commission_book, client_for
):
    # when
    response = client_for(finance_admin).post(FILL, {"year": "2026", "month": "2026-05", "amount": "3000"})
    # then
    assert response.status_code == 302
    may = dt.date(2026, 5, 1)
    assert sorted(
        BusinessObjective.objects.filter(month=may).values_list("rep__email", "product_line__code", "amount")
    ) == [
        ("rep1@acme.test", "p", Decimal("3000.00")),
        ("rep1@acme.test", "q", Decimal("3000.00")),
        ("rep2@acme.test", "p", Decimal("3000.00")),
        ("rep2@acme.test", "q", Decimal("3000.00")),
    ]


def test_a_fill_naming_neither_row_nor_column_fills_nothing(org, finance_admin, commission_book, client_for):
    # given
    count = BusinessObjective.objects.count()
    # when
    response = client_for(finance_admin).post(FILL, {"year": "2026", "amount": "3000"}, follow=True)
    # then
    assert "Nothing filled: Fill either a row" in response.content.decode()
    assert BusinessObjective.objects.count() == count


# --- import and export ---------------------------------------------------------------------------


def test_the_exported_grid_imports_back_and_edits_apply(
    org, rep, finance_admin, named, commission_book, client_for
):
    # given: the grid's CSV, with one amount changed and one month added
    exported = (
        client_for(finance_admin).get(GRID, {"year": "2026", "export": "csv"}).content.decode("utf-8-sig")
    )
    rows = list(csv.reader(io.StringIO(exported)))
    header, body = rows[0], rows[1:]
    assert header == ["Rep", "Rep name", "Product line", "Product line name", "Month", "Objective"]
    assert ["rep1@acme.test", "Rhea Quill", "p", "Line P", "2026-01", "10000.00"] in body
    body = [
        r if r[:3] + r[4:5] != ["rep1@acme.test", "Rhea Quill", "p", "2026-01"] else [*r[:5], "12000"]
        for r in body
    ]
    body.append(["rep1@acme.test", "", "q", "", "2026-04", "4000"])
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    # when
    preview = import_apply(
        kind=OBJECTIVES_IMPORT,
        organization=org,
        actor=finance_admin.user,
        content=out.getvalue().encode(),
        spec=OBJECTIVES_IMPORT.default_profile,
    )
    # then
    assert (preview.counts["create"], preview.counts["update"], preview.counts["unchanged"]) == (1, 1, 11)
    assert _objectives(rep.user, _line("p"))[JAN] == Decimal("12000.00")
    assert _objectives(rep.user, _line("q"))[APR] == Decimal("4000.00")
    assert AuditEvent.objects.filter(action="commissions.objective.set").count() == 2


def test_an_import_touching_a_closed_month_or_an_unknown_rep_writes_nothing(
    org, rep, finance_admin, commission_book
):
    # given
    _close_january(org, finance_admin.user)
    content = (
        b"Rep,Product line,Month,Objective\n"
        b"rep1@acme.test,p,2026-04,100\n"
        b"rep1@acme.test,p,2026-01,100\n"
        b"nobody@acme.test,p,2026-05,100\n"
        b"rep1@acme.test,p,2026-06,-5\n"
    )
    before = BusinessObjective.objects.count()
    # when
    with pytest.raises(ImportRefused) as refused:
        import_apply(
            kind=OBJECTIVES_IMPORT,
            organization=org,
            actor=finance_admin.user,
            content=content,
            spec=OBJECTIVES_IMPORT.default_profile,
        )
    # then
    assert refused.value.errors == [
        "line 3, month: January 2026 is closed: its objectives are read-only",
        "line 4, rep: no rep named 'nobody@acme.test' (add an alias for this name)",
        "line 5, amount: must not be negative",
    ]
    assert BusinessObjective.objects.count() == before
