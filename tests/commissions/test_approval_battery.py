"""Double approval of a commission statement, 200 times (PostgreSQL): two managers approve the
same draft at the same moment, each on its own connection. Every time one approval posts the
statement's lines to the commission ledger once; the other is refused and posts nothing.

The drafts are copies of one statement computed by the engine (January of the book's first
rep), each for a rep of its own, so every round races on a fresh draft without recomputing.
The rounds run in four lanes side by side.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from commissions.models import CommissionEntry, CommissionStatement, StatementLine, StatementStatus
from commissions.services.statements import statement_approve, statements_compute
from revops.models import AuditEvent
from revops.services.periods import periods_ensure
from tests.commissions.factories import book
from tests.races import in_lanes, kinds
from tests.revops.factories import MembershipFactory, UserFactory
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.postgres

ITERATIONS = 200
LANES = 4
JAN = dt.date(2026, 1, 1)


def _draft_copy(template: CommissionStatement, lines: list[StatementLine], rep_user) -> CommissionStatement:
    """The template draft again, for another rep (same lines, same totals)."""
    statement = CommissionStatement.objects.get(pk=template.pk)
    statement.pk, statement.rep = None, rep_user
    statement.save()
    copies = []
    for line in lines:
        line.pk, line.statement = None, statement
        copies.append(line)
    StatementLine.objects.bulk_create(copies)
    return statement


@pytest.mark.usefixtures("flushable_db")
def test_two_managers_approving_one_statement_200_times_post_it_once_each(
    org, rep, other_rep, manager, finance_admin
):
    # given: the book's January drafts, the first rep's as the template, and two managers
    periods_ensure(organization=org, start=JAN, end=dt.date(2026, 12, 31))
    book(org, rep, other_rep)
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    template = CommissionStatement.objects.get(organization=org, rep=rep.user, month=JAN)
    template_lines = list(StatementLine.objects.filter(statement=template).order_by("product_line_id"))
    posted_per_statement = sum(1 for line in template_lines if line.total)
    managers = [
        manager,
        MembershipFactory(organization=org, user=UserFactory(email="vp@acme.test"), role="admin"),
    ]

    def round_(i, racers):
        # given: a fresh draft of the template for a rep of its own
        statement = _draft_copy(template, list(template_lines), UserFactory(email=f"rep-{i}@acme.test"))

        def approve(membership):
            return lambda: statement_approve(statement=statement, actor=membership.user)

        # when both managers approve it at once
        results = racers.run(*(approve(m) for m in managers))
        # then one approval posted the lines once, the other was refused
        assert kinds(results) == ["ApplicationError", "CommissionStatement"], (i, results)
        statement.refresh_from_db()
        assert statement.status == StatementStatus.APPROVED, i
        posted = CommissionEntry.objects.filter(statement=statement).aggregate(
            n=Count("id"), total=Sum("amount")
        )
        assert (posted["n"], posted["total"]) == (posted_per_statement, template.total), i

    in_lanes(LANES, ITERATIONS, round_)
    # and over the whole battery: one audit row per approval, and the chain verifies
    copies = CommissionStatement.objects.filter(organization=org, month=JAN).exclude(
        rep__in=[rep.user, other_rep.user]
    )
    assert copies.filter(status=StatementStatus.APPROVED).count() == ITERATIONS
    assert AuditEvent.objects.filter(action="commissions.statement.approve").count() == ITERATIONS
    assert CommissionEntry.objects.filter(organization=org).count() == ITERATIONS * posted_per_statement
    assert (
        CommissionEntry.objects.filter(organization=org).aggregate(t=Sum("amount"))["t"]
        == ITERATIONS * template.total
    )
    out = io.StringIO()
    call_command("verify_ledger", "--org", org.slug, "--ledger", "commissions", stdout=out)
    assert out.getvalue().startswith(
        f"Ledger commissions intact: {ITERATIONS * posted_per_statement} entries"
    )
    assert template.total > Decimal("0")
