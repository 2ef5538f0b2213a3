"""Disputes: a rep flags a line, finance settles it through an adjustment or rejects it."""

import datetime as dt
from decimal import Decimal

import pytest

from commissions.models import (
    CommissionAdjustment,
    CommissionEntry,
    CommissionStatement,
    DisputeStatus,
    StatementDispute,
)
from commissions.services.disputes import dispute_raise, dispute_reject, dispute_resolve
from commissions.services.statements import statement_approve, statements_compute
from revops.exceptions import ApplicationError
from revops.models import AuditEvent
from revops.services.periods import periods_ensure
from tests.commissions.factories import book

pytestmark = pytest.mark.django_db

JAN = dt.date(2026, 1, 1)


@pytest.fixture
def approved(org, rep, other_rep, manager, finance_admin):
    periods_ensure(organization=org, start=JAN, end=dt.date(2026, 6, 30))
    book(org, rep, other_rep)
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    statement = CommissionStatement.objects.get(rep=rep.user, month=JAN)
    return statement_approve(statement=statement, actor=manager.user)


def test_a_resolved_dispute_reaches_the_ledger_as_a_correction(
    approved, rep, manager, finance_admin, django_capture_on_commit_callbacks
):
    # given: the rep says a January sale of line P is missing
    line = approved.lines.get(product_line__code="p")
    dispute = dispute_raise(
        statement=approved, line=line, actor=rep.user, kind="missing_sale", comment="Order 4711 is missing"
    )
    # when: finance settles it with 50.00, and the queued computation runs
    with django_capture_on_commit_callbacks(execute=True):
        dispute_resolve(
            dispute=dispute, actor=finance_admin.user, amount=Decimal("50.00"), note="Order 4711 booked late"
        )
    # then: a correction carries the adjustment; approving it posts the difference
    dispute.refresh_from_db()
    assert (dispute.status, dispute.adjustment.amount) == (DisputeStatus.RESOLVED, Decimal("50.00"))
    correction = CommissionStatement.objects.get(rep=rep.user, month=JAN, revision=2)
    corrected_line = correction.lines.get(product_line__code="p")
    assert (corrected_line.adjustments, corrected_line.total) == (Decimal("50.00"), Decimal("790.00"))
    assert correction.total == approved.total + Decimal("50.00")
    statement_approve(statement=correction, actor=manager.user)
    net = sum(CommissionEntry.objects.filter(rep=rep.user, month=JAN).values_list("amount", flat=True))
    assert net == Decimal("1030.00")
    assert AuditEvent.objects.filter(action__startswith="commissions.dispute.").count() == 2


def test_settled_disputes_stay_settled_and_nothing_changes(approved, rep, finance_admin):
    # given
    dispute = dispute_raise(
        statement=approved,
        line=approved.lines.first(),
        actor=rep.user,
        kind="wrong_rate",
        comment="Tier 2 from the 20th",
    )
    dispute_reject(dispute=dispute, actor=finance_admin.user, note="Tier 2 applies from the 20th, as shown")
    # when / then: a second settlement is refused and writes nothing
    with pytest.raises(ApplicationError, match="already rejected"):
        dispute_resolve(dispute=dispute, actor=finance_admin.user, amount=Decimal("10"), note="late")
    dispute.refresh_from_db()
    assert (dispute.status, dispute.adjustment_id) == (DisputeStatus.REJECTED, None)
    assert CommissionAdjustment.objects.count() == 0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda d, u: dispute_reject(dispute=d, actor=u, note="  "), "reason"),
        (lambda d, u: dispute_resolve(dispute=d, actor=u, amount=Decimal("0"), note="x"), "zero"),
        (lambda d, u: dispute_resolve(dispute=d, actor=u, amount=Decimal("5"), note=""), "reason"),
    ],
)
def test_a_settlement_needs_a_reason_and_an_amount(approved, rep, finance_admin, call, message):
    # given
    dispute = dispute_raise(
        statement=approved, line=approved.lines.first(), actor=rep.user, kind="other", comment="?"
    )
    # when / then
    with pytest.raises(ApplicationError, match=message):
        call(dispute, finance_admin.user)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN
    assert CommissionAdjustment.objects.count() == 0


def test_a_dispute_needs_a_comment_and_a_line_of_its_statement(approved, rep, other_rep):
    # when / then
    with pytest.raises(ApplicationError, match="comment is required"):
        dispute_raise(
            statement=approved, line=approved.lines.first(), actor=rep.user, kind="other", comment=" "
        )
    others = CommissionStatement.objects.get(rep=other_rep.user, month=JAN)
    with pytest.raises(ApplicationError, match="does not belong"):
        dispute_raise(
            statement=approved, line=others.lines.first(), actor=rep.user, kind="other", comment="x"
        )
    assert StatementDispute.objects.count() == 0
