"""The dispute pages: a rep flags a line, the disputes page shows age and SLA, finance settles."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commissions.models import CommissionAdjustment, CommissionStatement, DisputeStatus, StatementDispute
from commissions.services.statements import statement_approve, statements_compute
from revops.models import JobRun
from revops.services.periods import periods_ensure
from tests.commissions.factories import book

pytestmark = pytest.mark.django_db

JAN = dt.date(2026, 1, 1)


@pytest.fixture
def statement(org, rep, other_rep, manager, finance_admin):
    periods_ensure(organization=org, start=JAN, end=dt.date(2026, 6, 30))
    book(org, rep, other_rep)
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    return statement_approve(
        statement=CommissionStatement.objects.get(rep=rep.user, month=JAN), actor=manager.user
    )


def _flag(client, statement, line, **data):
    url = reverse("commissions:statement-line-dispute", args=[statement.pk, line.pk])
    return client.post(url, {"kind": "missing_sale", "comment": "Order 4711 is missing", **data}, follow=True)


def test_a_rep_flags_a_line_and_sees_it_on_the_line(statement, rep, client_for):
    # given
    client = client_for(rep)
    line = statement.lines.get(product_line__code="p")
    # when
    response = _flag(client, statement, line)
    # then
    dispute = StatementDispute.objects.get()
    assert (dispute.rep_id, dispute.line_id, dispute.status) == (rep.user_id, line.pk, DisputeStatus.OPEN)
    html = response.content.decode()
    assert "Order 4711 is missing" in html
    assert "A sale is missing" in html  # the kind's label, not its code


def test_a_flag_without_a_comment_is_refused_and_nothing_is_written(statement, rep, client_for):
    # when
    response = _flag(client_for(rep), statement, statement.lines.first(), comment="  ")
    # then
    assert "Not flagged" in response.content.decode()
    assert StatementDispute.objects.count() == 0


def test_the_disputes_page_marks_what_is_past_the_sla(statement, rep, finance_admin, client_for, settings):
    # given: one dispute raised twelve days ago, the SLA ten days
    settings.REVOPS_COMMISSION_DISPUTE_SLA_DAYS = 10
    _flag(client_for(rep), statement, statement.lines.first())
    StatementDispute.objects.update(created_at=timezone.now() - dt.timedelta(days=12))
    # when
    response = client_for(finance_admin).get(reverse("commissions:disputes"))
    # then
    summary = response.context["summary"]
    assert (summary.open, summary.overdue, summary.sla_days) == (1, 1, 10)
    assert [row.age_days for row in response.context["rows"]] == [12]
    assert "overdue" in response.content.decode()


def test_finance_settles_with_an_adjustment_and_the_month_is_computed_again(
    statement, rep, finance_admin, client_for, django_capture_on_commit_callbacks
):
    # given
    _flag(client_for(rep), statement, statement.lines.get(product_line__code="p"))
    dispute = StatementDispute.objects.get()
    url = reverse("commissions:dispute-settle", args=[dispute.pk])
    # when: first without an amount (refused), then with one
    refused = client_for(finance_admin).post(url, {"action": "resolve", "note": "Late booking"}, follow=True)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(finance_admin).post(url, {"action": "resolve", "amount": "25.00", "note": "Late booking"})
    # then
    assert "Give the adjustment" in refused.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.RESOLVED
    assert CommissionAdjustment.objects.get().amount == Decimal("25.00")
    assert JobRun.objects.filter(kind="commissions.compute", status=JobRun.Status.SUCCEEDED).exists()
    correction = CommissionStatement.objects.get(rep=rep.user, month=JAN, revision=2)
    assert correction.total == statement.total + Decimal("25.00")
