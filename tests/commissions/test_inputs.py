"""What the engine reads: each covered rep × line's transactions one by one only from the start
of the earliest window holding a wanted month, monthly sums before — with the same results as
reading every transaction."""

import datetime as dt

import pytest

from commissions.engine import compute_commissions, frame_from_rows, to_cents
from commissions.models import SalesTransaction
from commissions.selectors.inputs import engine_inputs
from tests.commissions.factories import sale

pytestmark = pytest.mark.django_db


def _every_transaction(org):
    return frame_from_rows(
        (
            t.rep_id,
            t.product_line_id,
            t.date,
            to_cents(t.commission_base),
            to_cents(t.sales_amount),
            to_cents(t.revenue_amount),
        )
        for t in SalesTransaction.objects.filter(organization=org)
    )


@pytest.mark.parametrize(
    "months", [[dt.date(2026, m, 1)] for m in range(1, 7)] + [[dt.date(2026, 2, 1), dt.date(2026, 5, 1)]]
)
def test_windowed_inputs_give_the_lines_every_transaction_gives(org, rep, other_rep, commission_book, months):
    # given: the book (month, quarter and year-to-date plans) with sales into the second quarter
    lines, _plans = commission_book
    for day, amount in (("2026-04-03", "9000"), ("2026-05-20", "7000"), ("2026-06-11", "-500")):
        sale(org, rep.user, lines["Q"], day, amount)
        sale(org, other_rep.user, lines["Q"], day, amount)
        sale(org, rep.user, lines["P"], day, amount)
    inputs = engine_inputs(organization=org, months=months)
    # when
    windowed = compute_commissions(
        transactions=inputs.transactions,
        assignments=inputs.assignments,
        objectives=inputs.objectives,
        months=months,
        fiscal_year_start_month=1,
    )
    full = compute_commissions(
        transactions=_every_transaction(org),
        assignments=inputs.assignments,
        objectives=inputs.objectives,
        months=months,
        fiscal_year_start_month=1,
    )
    # then: the same lines, to the cent and the day; and fewer rows read after the first month
    assert windowed == full
    assert len(windowed) == 4 * len(months)
    if months == [dt.date(2026, 6, 1)]:
        assert len(inputs.transactions) < SalesTransaction.objects.count()
