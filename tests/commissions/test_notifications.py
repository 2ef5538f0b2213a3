"""Reps are mailed when their statement is approved or paid and when their dispute is settled;
nobody is mailed when the change is refused, or when history is loaded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from commissions.models import CommissionStatement
from commissions.services.disputes import dispute_raise, dispute_reject, dispute_resolve
from commissions.services.statements import (
    statement_approve,
    statement_pay,
    statements_approve,
    statements_compute,
)
from revops.exceptions import ApplicationError
from revops.services.periods import periods_ensure
from tests.commissions.factories import book

pytestmark = pytest.mark.django_db

JAN = dt.date(2026, 1, 1)


@pytest.fixture
def draft(org, rep, other_rep, finance_admin):
    periods_ensure(organization=org, start=JAN, end=dt.date(2026, 6, 30))
    rep.user.first_name, rep.user.last_name = "Rhea", "Quill"
    rep.user.save()
    book(org, rep, other_rep)
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    return CommissionStatement.objects.get(rep=rep.user, month=JAN)


def test_approving_and_paying_mail_the_rep(draft, manager, finance_admin, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        approved = statement_approve(statement=draft, actor=manager.user)
    with django_capture_on_commit_callbacks(execute=True):
        statement_pay(statement=approved, actor=finance_admin.user)
    # then
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["rep1@acme.test"], "Commission statement January 2026 approved"),
        (["rep1@acme.test"], "Commission statement January 2026 paid"),
    ]
    assert mail.outbox[0].body.startswith(
        "Hello Rhea Quill,\n\nYour commission statement for January 2026 (revision 1) was approved.\n"
        f"Commission: ${draft.total:,}."
    )


def test_a_refused_payment_mails_nobody(draft, finance_admin, django_capture_on_commit_callbacks):
    # when: a draft cannot be paid
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError):
        statement_pay(statement=draft, actor=finance_admin.user)
    # then
    assert mail.outbox == []
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_loading_history_mails_nobody(draft, manager, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        statements_approve(statements=[draft], actor=manager.user, notify=False)
    # then
    assert mail.outbox == []


def test_a_settled_dispute_mails_its_rep_the_outcome(
    draft, rep, manager, finance_admin, django_capture_on_commit_callbacks
):
    # given: two disputes on the approved statement
    approved = statement_approve(statement=draft, actor=manager.user)
    mail.outbox.clear()
    line = approved.lines.get(product_line__code="p")
    first = dispute_raise(statement=approved, line=line, actor=rep.user, kind="missing_sale", comment="4711")
    second = dispute_raise(statement=approved, line=line, actor=rep.user, kind="wrong_rate", comment="rate")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        dispute_resolve(dispute=first, actor=finance_admin.user, amount=Decimal("50"), note="Booked late")
    with django_capture_on_commit_callbacks(execute=True):
        dispute_reject(dispute=second, actor=finance_admin.user, note="The plan's rate")
    # then
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["rep1@acme.test"], "Your commission dispute for January 2026 is settled"),
        (["rep1@acme.test"], "Your commission dispute for January 2026 is settled"),
    ]
    assert (
        "Finance adjusted your commission by $50.00; the month is computed again.\nReason: Booked late"
        in (mail.outbox[0].body)
    )
    assert "Finance rejected it.\nReason: The plan's rate" in mail.outbox[1].body
