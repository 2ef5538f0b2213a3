"""Statement pages: the list (scope, month filter), a statement and its lines opened into their
computation and transactions, approve and mark paid, corrections, and the compute job."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from commissions.models import CommissionEntry, CommissionStatement, StatementStatus
from commissions.services.statements import statement_approve, statement_pay, statements_compute
from revops.models import JobRun
from tests.commissions.conftest import JAN, MAR
from tests.commissions.factories import assign, sale

pytestmark = pytest.mark.django_db

LIST = reverse("commissions:statements")


@pytest.fixture
def march(org, finance_admin, commission_book):
    statements_compute(organization=org, actor=finance_admin.user, month=MAR)
    return commission_book


def _statement(rep, month=MAR, revision=1) -> CommissionStatement:
    return CommissionStatement.objects.get(rep=rep.user, month=month, revision=revision)


def _listed(response) -> list[tuple[str, dt.date, str, Decimal]]:
    return [(s.rep.email, s.month, s.status, s.total) for s in response.context["page_obj"]]


@pytest.mark.parametrize(
    ("_case", "actor", "expected"),
    [
        ("rep sees their own", "rep", [("rep1@acme.test", MAR, "draft", Decimal("1207.65"))]),
        ("manager their team", "manager", [("rep1@acme.test", MAR, "draft", Decimal("1207.65"))]),
        (
            "other team's manager theirs",
            "other_team_manager",
            [("rep2@acme.test", MAR, "draft", Decimal("240.00"))],
        ),
        (
            "finance the organization",
            "finance_admin",
            [
                ("rep1@acme.test", MAR, "draft", Decimal("1207.65")),
                ("rep2@acme.test", MAR, "draft", Decimal("240.00")),
            ],
        ),
    ],
)
def test_the_list_shows_the_statements_in_scope(march, client_for, request, _case, actor, expected):
    # when
    response = client_for(request.getfixturevalue(actor)).get(LIST)
    # then
    assert response.status_code == 200
    assert sorted(_listed(response)) == expected


def test_the_list_filters_by_month_and_links_to_each_statement(org, rep, finance_admin, march, client_for):
    # given: January computed too
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    # when
    response = client_for(finance_admin).get(LIST, {"month": "2026-01"})
    # then
    assert {s.month for s in response.context["page_obj"]} == {JAN}
    html = response.content.decode()
    assert f'href="{reverse("commissions:statement", args=[_statement(rep, JAN).pk])}"' in html
    assert "January 2026" in html and "March 2026" not in html


def test_a_partner_user_and_another_organization_get_nothing(
    march, partner_user, other_org_admin, client_for
):
    # when
    partner_answer = client_for(partner_user).get(LIST)
    outsider = client_for(other_org_admin).get(LIST)
    # then
    assert partner_answer.status_code == 404  # partner users work in the portal
    assert _listed(outsider) == []


def test_the_statement_page_shows_its_lines_with_the_engine_figures(rep, manager, march, client_for):
    # given
    statement = _statement(rep)
    # when
    response = client_for(manager).get(reverse("commissions:statement", args=[statement.pk]))
    # then
    assert response.status_code == 200
    rows = [
        (r.line.product_line.code, r.line.tier, r.line.tier2_date, r.line.true_up, r.line.total)
        for r in response.context["detail"].lines
    ]
    assert rows == [
        ("p", 2, dt.date(2026, 3, 3), Decimal("0.00"), Decimal("687.65")),
        ("q", 2, dt.date(2026, 3, 9), Decimal("220.00"), Decimal("520.00")),
    ]
    html = response.content.decode()
    assert "$12,345.67" in html and "123.46 %" in html and "$520.00" in html
    assert 'id="approve-button"' in html  # the rep's manager may approve
    assert 'id="pay-button"' not in html


@pytest.mark.parametrize("actor", ["other_rep", "other_team_manager", "other_org_admin"])
def test_a_statement_outside_scope_is_404(rep, march, client_for, request, actor):
    # given
    statement = _statement(rep)
    client = client_for(request.getfixturevalue(actor))
    # when
    answers = [
        client.get(reverse("commissions:statement", args=[statement.pk])).status_code,
        client.get(
            reverse("commissions:statement-line", args=[statement.pk, statement.lines.first().pk])
        ).status_code,
        client.get(reverse("commissions:statement", args=[statement.pk]), {"export": "csv"}).status_code,
    ]
    # then
    assert answers == [404, 404, 404]


def test_a_line_opens_into_its_steps_and_the_transactions_behind_it(rep, march, client_for):
    # given: the quarterly line Q of March
    statement = _statement(rep)
    line = statement.lines.get(product_line__code="q")
    url = reverse("commissions:statement-line", args=[statement.pk, line.pk])
    # when
    response = client_for(rep).get(url, headers={"HX-Request": "true"})
    # then: the fragment alone, with the steps, the one March sale and its file and row
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "Commission: tier 1 0.00 + tier 2 300.00 + true-up of earlier months 220.00 = 520.00." in html
    expanded = response.context["expanded"]
    assert [(t.date, t.sales_amount, t.source_file) for t in expanded.transactions] == [
        (dt.date(2026, 3, 9), Decimal("5000.00"), "test.csv")
    ]
    assert f'<td class="num">{expanded.transactions[0].source_row}</td>' in html
    # and the quarter's earlier months count: the note says from when
    assert expanded.window_start == JAN
    assert "measured over the fiscal quarter: sales from 1 January 2026 on count towards tier 2" in html


def test_a_monthly_line_has_no_window_note_and_without_htmx_the_page_opens_it(rep, march, client_for):
    # given
    statement = _statement(rep)
    line = statement.lines.get(product_line__code="p")
    # when
    response = client_for(rep).get(reverse("commissions:statement-line", args=[statement.pk, line.pk]))
    # then
    html = response.content.decode()
    assert "<html" in html and f'id="line-{line.pk}-expanded"' in html
    assert response.context["expanded"].window_start is None
    assert "count towards tier 2" not in html


def test_the_manager_approves_and_the_statement_is_posted(rep, manager, march, client_for):
    # given
    statement = _statement(rep)
    client = client_for(manager)
    # when
    response = client.post(reverse("commissions:statement-approve", args=[statement.pk]))
    # then
    assert response.status_code == 302
    statement.refresh_from_db()
    assert (statement.status, statement.approved_by_id) == (StatementStatus.APPROVED, manager.user_id)
    entries = CommissionEntry.objects.filter(statement=statement)
    assert sorted(e.amount for e in entries) == [Decimal("520.00"), Decimal("687.65")]
    page = client.get(response["Location"]).content.decode()
    assert "Statement approved and posted to the commission ledger." in page
    assert 'id="approve-button"' not in page


@pytest.mark.parametrize(
    ("_case", "actor", "status"), [("rep", "rep", 403), ("finance", "finance_admin", 403)]
)
def test_a_rep_or_finance_cannot_approve(rep, march, client_for, request, _case, actor, status):
    # given
    statement = _statement(rep)
    # when
    response = client_for(request.getfixturevalue(actor)).post(
        reverse("commissions:statement-approve", args=[statement.pk])
    )
    # then: refused, nothing posted
    assert response.status_code == status
    statement.refresh_from_db()
    assert statement.status == StatementStatus.DRAFT
    assert CommissionEntry.objects.count() == 0


def test_another_teams_manager_cannot_approve(rep, other_team_manager, march, client_for):
    # when
    response = client_for(other_team_manager).post(
        reverse("commissions:statement-approve", args=[_statement(rep).pk])
    )
    # then
    assert response.status_code == 404
    assert _statement(rep).status == StatementStatus.DRAFT


def test_a_manager_on_a_plan_cannot_approve_their_own_statement(
    org, manager, finance_admin, march, client_for
):
    # given: the manager sells too
    lines, plans = march
    assign(org, manager.user, lines["P"], plans["AP"])
    sale(org, manager.user, lines["P"], "2026-03-10", "1000")
    statements_compute(organization=org, actor=finance_admin.user, month=MAR)
    own = _statement(manager)
    # when
    response = client_for(manager).post(reverse("commissions:statement-approve", args=[own.pk]))
    # then
    assert response.status_code == 403
    assert _statement(manager).status == StatementStatus.DRAFT


def test_approving_twice_changes_nothing(rep, manager, march, client_for):
    # given
    statement = statement_approve(statement=_statement(rep), actor=manager.user)
    # when
    response = client_for(manager).post(
        reverse("commissions:statement-approve", args=[statement.pk]), follow=True
    )
    # then
    assert "This statement is already approved." in response.content.decode()
    assert CommissionEntry.objects.count() == 2


def test_only_finance_marks_paid(rep, manager, admin, finance_admin, march, client_for):
    # given
    statement = statement_approve(statement=_statement(rep), actor=manager.user)
    url = reverse("commissions:statement-pay", args=[statement.pk])
    # when
    refused = [client_for(member).post(url).status_code for member in (rep, manager, admin)]
    # then
    assert refused == [403, 403, 403]
    assert _statement(rep).status == StatementStatus.APPROVED
    # when finance pays
    page = (
        client_for(finance_admin).get(reverse("commissions:statement", args=[statement.pk])).content.decode()
    )
    response = client_for(finance_admin).post(url)
    # then
    assert 'id="pay-button"' in page
    assert response.status_code == 302
    paid = _statement(rep)
    assert (paid.status, paid.paid_by_id) == (StatementStatus.PAID, finance_admin.user_id)


def test_a_draft_is_not_paid(rep, finance_admin, march, client_for):
    # when
    response = client_for(finance_admin).post(
        reverse("commissions:statement-pay", args=[_statement(rep).pk]), follow=True
    )
    # then
    assert "Only an approved statement can be paid; this one is draft." in response.content.decode()
    assert _statement(rep).status == StatementStatus.DRAFT


def test_a_correction_shows_what_it_corrects_and_the_change(
    org, rep, manager, finance_admin, march, client_for
):
    # given: March approved and paid, then a late March sale
    lines, _ = march
    first = statement_approve(statement=_statement(rep), actor=manager.user)
    statement_pay(statement=first, actor=finance_admin.user)
    sale(org, rep.user, lines["P"], "2026-03-20", "1000")
    statements_compute(organization=org, actor=finance_admin.user, month=MAR)
    correction = _statement(rep, revision=2)
    # when
    response = client_for(rep).get(reverse("commissions:statement", args=[correction.pk]))
    original = client_for(rep).get(reverse("commissions:statement", args=[first.pk])).content.decode()
    # then: the approved revision is untouched; the correction names it and the change
    assert _statement(rep).total == Decimal("1207.65")
    html = response.content.decode()
    assert "This revision corrects" in html and "revision 1</a>" in html
    assert response.context["detail"].change == Decimal("80.00")  # 1,000 more at tier 2 (8 %)
    assert "Corrected by" in original and "revision 2</a>" in original


def test_finance_sees_the_compute_button_and_managers_do_not(march, finance_admin, manager, client_for):
    # when
    finance_page = client_for(finance_admin).get(LIST, {"month": "2026-03"}).content.decode()
    manager_page = client_for(manager).get(LIST).content.decode()
    # then
    assert "Compute March 2026" in finance_page
    assert 'id="statement-compute"' not in manager_page


def test_compute_runs_as_a_job_end_to_end(
    org, rep, finance_admin, commission_book, client_for, django_capture_on_commit_callbacks
):
    client = client_for(finance_admin)
    # when: finance computes March (the task runs in process once the request commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("commissions:statement-compute"), {"month": "2026-03"})
    # then: the job ran and wrote the drafts
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?month=2026-03"
    job = JobRun.objects.get(organization=org, kind="commissions.compute")
    assert (job.status, job.progress, job.params, job.started_by_id) == (
        JobRun.Status.SUCCEEDED,
        100,
        {"month": "2026-03-01"},
        finance_admin.user_id,
    )
    assert job.counts == {
        "month": "2026-03-01",
        "lines": 4,
        "created": 2,
        "updated": 0,
        "corrections": 0,
        "unchanged": 0,
        "removed": 0,
    }
    assert _statement(rep).total == Decimal("1207.65")
    page = client.get(response["Location"]).content.decode()
    assert f'id="job-{job.pk}"' in page and "Computing March 2026" in page


def test_computing_unchanged_data_again_is_the_same_job(
    org, rep, finance_admin, commission_book, client_for, django_capture_on_commit_callbacks
):
    # given: March computed
    client = client_for(finance_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("commissions:statement-compute"), {"month": "2026-03"})
    # when: asked again on the same data
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("commissions:statement-compute"), {"month": "2026-03"}, follow=True)
    # then: nothing is queued
    assert callbacks == []
    assert JobRun.objects.filter(kind="commissions.compute").count() == 1
    assert "March 2026 was already computed on this data" in response.content.decode()
    # when: a sale arrives, the month is computed again
    lines, _ = commission_book
    sale(org, rep.user, lines["P"], "2026-03-25", "500")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("commissions:statement-compute"), {"month": "2026-03"})
    assert JobRun.objects.filter(kind="commissions.compute").count() == 2
    assert _statement(rep).sales_actual == Decimal("17845.67")


@pytest.mark.parametrize(("_case", "actor"), [("manager", "manager"), ("rep", "rep")])
def test_only_finance_and_admin_compute(commission_book, client_for, request, _case, actor):
    # when
    response = client_for(request.getfixturevalue(actor)).post(
        reverse("commissions:statement-compute"), {"month": "2026-03"}
    )
    # then
    assert response.status_code == 403
    assert JobRun.objects.count() == 0
