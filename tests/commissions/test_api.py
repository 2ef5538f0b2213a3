"""Commissions API: transactions, objectives, plans and statements in scope; approve and pay
with their capabilities; statements are not edited; sales come in through the import API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from commissions.models import CommissionEntry, CommissionStatement, SalesTransaction, StatementStatus
from commissions.services.statements import statement_approve, statements_compute
from revops.models import JobRun
from tests.commissions.conftest import MAR
from tests.commissions.factories import sale

pytestmark = pytest.mark.django_db

BASE = "/api/v1/commissions"


def api_for(membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    return client


@pytest.fixture
def march(org, finance_admin, commission_book):
    statements_compute(organization=org, actor=finance_admin.user, month=MAR)
    return commission_book


def _statement(member) -> CommissionStatement:
    return CommissionStatement.objects.get(rep=member.user, month=MAR)


def _results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_rep_lists_their_own_transactions_with_file_and_row(rep, commission_book):
    # when
    rows = _results(api_for(rep).get(f"{BASE}/transactions/", {"date_after": "2026-03-01"}))
    # then
    assert [(r["date"], r["product_line_code"], r["sales_amount"], r["source_file"]) for r in rows] == [
        ("2026-03-09", "q", "5000.00", "test.csv"),
        ("2026-03-03", "p", "12345.67", "test.csv"),
    ]
    assert {r["rep_email"] for r in rows} == {"rep1@acme.test"}
    assert all(isinstance(r["source_row"], int) for r in rows)


@pytest.mark.parametrize(
    ("_case", "actor", "status"),
    [
        ("the rep", "rep", 200),
        ("another rep", "other_rep", 404),
        ("another team", "other_team_manager", 404),
        ("another organization", "other_org_admin", 404),
        ("a partner user", "partner_user", 404),
    ],
)
def test_a_transaction_outside_scope_is_404(rep, commission_book, request, _case, actor, status):
    # given
    row = SalesTransaction.objects.filter(rep=rep.user).first()
    # when
    response = api_for(request.getfixturevalue(actor)).get(f"{BASE}/transactions/{row.pk}/")
    # then
    assert response.status_code == status


def test_transactions_are_read_only(rep, finance_admin, commission_book):
    # given
    row = SalesTransaction.objects.filter(rep=rep.user).first()
    client = api_for(finance_admin)
    # when
    answers = [
        client.post(f"{BASE}/transactions/", {}).status_code,
        client.patch(f"{BASE}/transactions/{row.pk}/", {"sales_amount": "1"}).status_code,
        client.delete(f"{BASE}/transactions/{row.pk}/").status_code,
    ]
    # then
    assert answers == [405, 405, 405]
    row.refresh_from_db()
    assert row.sales_amount == Decimal("6000.00")


def test_objectives_and_plans(rep, other_rep, manager, commission_book):
    # when
    objectives = _results(api_for(manager).get(f"{BASE}/objectives/", {"month_after": "2026-03"}))
    plans = _results(api_for(rep).get(f"{BASE}/plans/"))
    # then: the manager's report's objectives only; every plan of the organization with its terms
    assert sorted((o["rep"], o["month"], o["amount"]) for o in objectives) == [
        (rep.user_id, "2026-03-01", "10000.00"),
        (rep.user_id, "2026-03-01", "5000.00"),
    ]
    assert [(p["name"], p["versions"][0]["tier1_rate"], p["versions"][0]["semantics"]) for p in plans] == [
        ("A/P", "5.0000", "marginal"),
        ("A/Q", "4.0000", "retroactive"),
        ("B/P", "3.0000", "retroactive"),
        ("B/Q", "2.0000", "marginal"),
    ]


def test_statements_in_scope_with_their_lines(rep, other_rep, manager, finance_admin, march):
    # when
    mine = _results(api_for(rep).get(f"{BASE}/statements/"))
    everyone = _results(api_for(finance_admin).get(f"{BASE}/statements/", {"month": "2026-03"}))
    # then
    assert [(s["rep_email"], s["status"], s["total"]) for s in mine] == [
        ("rep1@acme.test", "draft", "1207.65")
    ]
    assert [(line["product_line_code"], line["tier"], line["total"]) for line in mine[0]["lines"]] == [
        ("p", 2, "687.65"),
        ("q", 2, "520.00"),
    ]
    assert mine[0]["lines"][1]["steps"][-1] == (
        "Commission: tier 1 0.00 + tier 2 300.00 + true-up of earlier months 220.00 = 520.00."
    )
    assert sorted(s["rep_email"] for s in everyone) == ["rep1@acme.test", "rep2@acme.test"]
    other = _statement(other_rep)
    assert api_for(rep).get(f"{BASE}/statements/{other.pk}/").status_code == 404
    assert api_for(manager).get(f"{BASE}/statements/{other.pk}/").status_code == 404


def test_the_manager_approves_over_the_api_and_again_is_a_no_op(rep, manager, march):
    # given
    statement = _statement(rep)
    url = f"{BASE}/statements/{statement.pk}/approve/"
    # when
    first = api_for(manager).post(url)
    second = api_for(manager).post(url)
    # then
    assert (first.status_code, first.json()["status"]) == (200, "approved")
    assert (second.status_code, second.json()["status"]) == (200, "approved")
    assert CommissionEntry.objects.filter(statement=statement).count() == 2


@pytest.mark.parametrize(
    ("_case", "actor", "status"),
    [
        ("the rep", "rep", 403),
        ("finance", "finance_admin", 403),
        ("another team's manager", "other_team_manager", 404),
        ("another organization", "other_org_admin", 404),
    ],
)
def test_who_cannot_approve(rep, march, request, _case, actor, status):
    # given
    statement = _statement(rep)
    # when
    response = api_for(request.getfixturevalue(actor)).post(f"{BASE}/statements/{statement.pk}/approve/")
    # then: refused, nothing posted
    assert response.status_code == status
    assert _statement(rep).status == StatementStatus.DRAFT
    assert CommissionEntry.objects.count() == 0


def test_only_finance_pays_and_a_draft_is_refused(rep, manager, admin, finance_admin, march):
    # given
    statement = _statement(rep)
    url = f"{BASE}/statements/{statement.pk}/pay/"
    # when: a draft
    draft = api_for(finance_admin).post(url)
    # then
    assert draft.status_code == 400
    assert draft.json() == {
        "non_field_errors": ["Only an approved statement can be paid; this one is draft."]
    }
    assert _statement(rep).status == StatementStatus.DRAFT
    # when: approved, then asked by the manager, the admin and finance
    statement_approve(statement=statement, actor=manager.user)
    answers = [api_for(member).post(url).status_code for member in (manager, admin, finance_admin)]
    # then
    assert answers == [403, 403, 200]
    assert _statement(rep).status == StatementStatus.PAID


def test_an_approved_statement_is_not_edited_over_the_api(rep, manager, admin, march):
    # given
    statement = statement_approve(statement=_statement(rep), actor=manager.user)
    url = f"{BASE}/statements/{statement.pk}/"
    client = api_for(admin)
    # when
    answers = [
        client.put(url, {"total": "1.00"}, format="json").status_code,
        client.patch(url, {"status": "draft"}, format="json").status_code,
        client.delete(url).status_code,
    ]
    # then
    assert answers == [405, 405, 405]
    after = _statement(rep)
    assert (after.status, after.total) == (StatementStatus.APPROVED, Decimal("1207.65"))


def test_statement_list_queries_do_not_grow_with_the_statements(org, rep, finance_admin, march):
    # given
    client = api_for(finance_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{BASE}/statements/").status_code == 200
        return len(captured)

    before = count()
    # when: two more months of statements
    for month in (dt.date(2026, 1, 1), dt.date(2026, 2, 1)):
        statements_compute(organization=org, actor=finance_admin.user, month=month)
    # then
    assert CommissionStatement.objects.count() == 6
    assert count() == before


SALES_FILE = (
    b"dedupe_key,date,rep,product_line,customer,sales_amount\n"
    b"API-1,2026-03-20,rep1@acme.test,p,Northwind,1500.00\n"
    b"API-2,2026-03-21,rep2@acme.test,q,Contoso,250.00\n"
)


def test_sales_come_in_through_the_import_api(
    org, rep, finance_admin, commission_book, django_capture_on_commit_callbacks
):
    # when: finance posts a file to the import API for the sales kind (it runs once committed)
    upload = SimpleUploadedFile("march-late.csv", SALES_FILE, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(finance_admin).post("/api/v1/imports/sales/", {"file": upload}, format="multipart")
    # then
    assert response.status_code == 202, response.content
    job = JobRun.objects.get(pk=response.json()["id"])
    assert (job.kind, job.status) == ("import.sales", JobRun.Status.SUCCEEDED), job.error
    rows = SalesTransaction.objects.filter(source_file="march-late.csv").order_by("source_row")
    assert [(r.dedupe_key, r.rep.email, r.product_line.code, r.sales_amount, r.source_row) for r in rows] == [
        ("API-1", "rep1@acme.test", "p", Decimal("1500.00"), 2),
        ("API-2", "rep2@acme.test", "q", Decimal("250.00"), 3),
    ]
    # and the rep reads theirs over the transactions API
    listed = _results(api_for(rep).get(f"{BASE}/transactions/", {"source_file": "march-late.csv"}))
    assert [r["dedupe_key"] for r in listed] == ["API-1"]


@pytest.mark.parametrize(("_case", "actor"), [("a rep", "rep"), ("a manager", "manager")])
def test_reps_and_managers_do_not_import_sales(commission_book, request, _case, actor):
    # when
    upload = SimpleUploadedFile("sales.csv", SALES_FILE, content_type="text/csv")
    response = api_for(request.getfixturevalue(actor)).post(
        "/api/v1/imports/sales/", {"file": upload}, format="multipart"
    )
    # then
    assert response.status_code == 403
    assert JobRun.objects.count() == 0
    assert SalesTransaction.objects.filter(dedupe_key__startswith="API-").count() == 0


def test_a_late_sale_after_approval_shows_as_a_correction_over_the_api(
    org, rep, manager, finance_admin, march
):
    # given: March approved, then a late sale and a new computation
    lines, _ = march
    approved = statement_approve(statement=_statement(rep), actor=manager.user)
    sale(org, rep.user, lines["P"], "2026-03-28", "1000")
    statements_compute(organization=org, actor=finance_admin.user, month=MAR)
    # when
    rows = _results(api_for(rep).get(f"{BASE}/statements/", {"month": "2026-03"}))
    # then: the approved revision unchanged, the correction a draft pointing at it
    assert [(s["revision"], s["status"], s["corrects"], s["total"]) for s in rows] == [
        (2, "draft", approved.pk, "1287.65"),
        (1, "approved", None, "1207.65"),
    ]
