"""The commission engine against a hand-computed reference, and its properties.

Reference: reps A (1) and B (2), product lines P (10) and Q (20), January to March 2026,
fiscal year from January. Every figure below was computed by hand from the plans:

- A/P marginal, monthly objective 10,000, 5 % / 8 %: January crosses on the 20th (13,000:
  10,000 × 5 % + 3,000 × 8 % = 740); February has a return (4,000 − 1,000 = 3,000 × 5 % = 150,
  plus a 25.00 adjustment); March crosses on the 3rd (12,345.67: 500 + 2,345.67 × 8 % =
  187.6536 → 187.65).
- A/Q retroactive, quarterly objective 15,000 (3 × 5,000), 4 % / 6 %: 6,000 and 5,000 earn
  240 and 200 at tier 1; March's 5,000 reaches 16,000 on the 9th, so March earns 5,000 × 6 %
  = 300 plus a true-up of 11,000 × 2 % = 220.
- B/P retroactive, monthly objective 8,000, 3 % / 5 %: January reaches 9,000 on the 22nd, all
  of it at 5 % = 450; February reaches 9,000 on the 3rd but a 2,000 return takes it back to
  7,000: tier 1, 210; March sells nothing.
- B/Q marginal, year-to-date objective 4,000 / 10,000 / 15,000, 2 % / 10 %: January 5,000 earns
  80 + 100 = 180; February's 3,000 gives 8,000 against 10,000, so 160 is due in all: 60 at
  tier 1 and the January overage clawed back (−80), −20 for the month; March's 8,000 reaches
  16,000 on the 5th: 300 + 100 = 400 due, 240 for the month.
"""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commissions.engine import (
    Assignment,
    ObjectivePeriod,
    PlanTerms,
    Semantics,
    Transaction,
    compute_commissions,
    explain_line,
    month_index,
    transactions_frame,
)

D = Decimal
A, B, P, Q = 1, 2, 10, 20
JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def _terms(plan_id, tier1, tier2, semantics, period):
    return PlanTerms(plan_id, 1, D(tier1), D(tier2), semantics, period)


ASSIGNMENTS = [
    Assignment(A, P, _terms(1, "5", "8", Semantics.MARGINAL, ObjectivePeriod.MONTH), JAN),
    Assignment(A, Q, _terms(2, "4", "6", Semantics.RETROACTIVE, ObjectivePeriod.QUARTER), JAN),
    Assignment(B, P, _terms(3, "3", "5", Semantics.RETROACTIVE, ObjectivePeriod.MONTH), JAN),
    Assignment(B, Q, _terms(4, "2", "10", Semantics.MARGINAL, ObjectivePeriod.YEAR_TO_DATE), JAN),
]
MONTHLY_OBJECTIVES = {
    (A, P): ("10000", "10000", "10000"),
    (A, Q): ("5000", "5000", "5000"),
    (B, P): ("8000", "8000", "8000"),
    (B, Q): ("4000", "6000", "5000"),
}
OBJECTIVES = {
    (rep, line, month_index(month)): D(value)
    for (rep, line), values in MONTHLY_OBJECTIVES.items()
    for month, value in zip((JAN, FEB, MAR), values, strict=True)
}
SALES = [  # (rep, line, date, base)
    (A, P, "2026-01-05", "6000"),
    (A, P, "2026-01-20", "7000"),
    (A, P, "2026-02-10", "4000"),
    (A, P, "2026-02-25", "-1000"),
    (A, P, "2026-03-03", "12345.67"),
    (A, Q, "2026-01-15", "6000"),
    (A, Q, "2026-02-14", "5000"),
    (A, Q, "2026-03-09", "5000"),
    (B, P, "2026-01-08", "5000"),
    (B, P, "2026-01-22", "4000"),
    (B, P, "2026-02-03", "9000"),
    (B, P, "2026-02-17", "-2000"),
    (B, Q, "2026-01-12", "5000"),
    (B, Q, "2026-02-20", "3000"),
    (B, Q, "2026-03-05", "8000"),
]


def _transactions(rows=SALES):
    return [
        Transaction(n, rep, line, dt.date.fromisoformat(day), D(base), D(base), D(base) * D("0.9"))
        for n, (rep, line, day, base) in enumerate(rows, start=1)
    ]


def _compute(rows=SALES, months=(JAN, FEB, MAR), **kwargs):
    return compute_commissions(
        transactions=transactions_frame(_transactions(rows)),
        assignments=ASSIGNMENTS,
        objectives=OBJECTIVES,
        months=months,
        **kwargs,
    )


# (rep, line, month): tier, tier-2 date, attainment, tier 1, tier 2, true-up, adjustments, total
EXPECTED = {
    (A, P, JAN): (2, "2026-01-20", "130.00", "500.00", "240.00", "0.00", "0.00", "740.00"),
    (A, P, FEB): (1, None, "30.00", "150.00", "0.00", "0.00", "25.00", "175.00"),
    (A, P, MAR): (2, "2026-03-03", "123.46", "500.00", "187.65", "0.00", "0.00", "687.65"),
    (A, Q, JAN): (1, None, "40.00", "240.00", "0.00", "0.00", "0.00", "240.00"),
    (A, Q, FEB): (1, None, "73.33", "200.00", "0.00", "0.00", "0.00", "200.00"),
    (A, Q, MAR): (2, "2026-03-09", "106.67", "0.00", "300.00", "220.00", "0.00", "520.00"),
    (B, P, JAN): (2, "2026-01-22", "112.50", "0.00", "450.00", "0.00", "0.00", "450.00"),
    (B, P, FEB): (1, None, "87.50", "210.00", "0.00", "0.00", "0.00", "210.00"),
    (B, P, MAR): (1, None, "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"),
    (B, Q, JAN): (2, "2026-01-12", "125.00", "80.00", "100.00", "0.00", "0.00", "180.00"),
    (B, Q, FEB): (1, None, "80.00", "60.00", "0.00", "-80.00", "0.00", "-20.00"),
    (B, Q, MAR): (2, "2026-03-05", "106.67", "140.00", "100.00", "0.00", "0.00", "240.00"),
}


def test_the_reference_to_the_cent():
    # when
    lines = _compute(adjustments={(A, P, month_index(FEB)): D("25")})
    # then
    got = {
        (line.rep_id, line.product_line_id, line.month): (
            line.tier,
            line.tier2_date.isoformat() if line.tier2_date else None,
            str(line.attainment_percent),
            str(line.tier1_commission),
            str(line.tier2_commission),
            str(line.true_up),
            str(line.adjustments),
            str(line.total),
        )
        for line in lines
    }
    assert got == EXPECTED
    assert [(line.rep_id, line.product_line_id, line.month) for line in lines] == list(EXPECTED)


def test_actuals_thresholds_and_year_to_date_roll_ups():
    # when
    lines = {(x.rep_id, x.product_line_id, x.month): x for x in _compute()}
    # then: returns net out of the month's actuals; revenue is its own figure
    feb = lines[(A, P, FEB)]
    assert (feb.transactions, feb.sales_actual, feb.commission_base) == (2, D("3000.00"), D("3000.00"))
    assert feb.revenue_actual == D("2700.00")
    # the quarter's threshold is the sum of its months; year to date grows month by month
    assert [lines[(A, Q, m)].window_objective for m in (JAN, FEB, MAR)] == [D("15000.00")] * 3
    assert [lines[(B, Q, m)].window_objective for m in (JAN, FEB, MAR)] == [
        D("4000.00"),
        D("10000.00"),
        D("15000.00"),
    ]
    assert [lines[(B, Q, m)].objective for m in (JAN, FEB, MAR)] == [D("4000.00"), D("6000.00"), D("5000.00")]
    assert [lines[(A, P, m)].ytd_sales for m in (JAN, FEB, MAR)] == [
        D("13000.00"),
        D("16000.00"),
        D("28345.67"),
    ]
    assert [lines[(A, P, m)].ytd_commission for m in (JAN, FEB, MAR)] == [
        D("740.00"),
        D("890.00"),
        D("1577.65"),
    ]
    assert [lines[(B, Q, m)].ytd_commission for m in (JAN, FEB, MAR)] == [
        D("180.00"),
        D("160.00"),
        D("400.00"),
    ]


def test_a_later_month_alone_counts_the_earlier_months_of_its_window():
    # when: only March is asked for
    march = _compute(months=(MAR,))
    # then: the same March lines as when the quarter is computed
    full = [line for line in _compute() if line.month == MAR]
    assert march == full
    assert len(march) == 4


def test_without_an_objective_everything_earns_tier_one():
    # given: no objectives at all
    lines = compute_commissions(
        transactions=transactions_frame(_transactions()),
        assignments=ASSIGNMENTS,
        objectives={},
        months=(JAN,),
    )
    # then
    a_p = next(x for x in lines if (x.rep_id, x.product_line_id) == (A, P))
    assert (a_p.tier, a_p.attainment_percent, a_p.window_objective) == (1, None, None)
    assert a_p.total == D("650.00")  # 13,000 × 5 %


def test_a_plan_version_applies_from_its_start_and_unassigned_months_have_no_line():
    # given: A/P's rate rises in March under a second version; B/P leaves the plan after January
    assignments = [
        *ASSIGNMENTS[:2],
        Assignment(A, P, PlanTerms(1, 2, D("6"), D("9"), Semantics.MARGINAL, ObjectivePeriod.MONTH), MAR),
        Assignment(B, P, ASSIGNMENTS[2].terms, JAN, end=dt.date(2026, 1, 31)),
        ASSIGNMENTS[3],
    ]
    # when
    lines = compute_commissions(
        transactions=transactions_frame(_transactions()),
        assignments=assignments,
        objectives=OBJECTIVES,
        months=(JAN, FEB, MAR),
    )
    by_key = {(x.rep_id, x.product_line_id, x.month): x for x in lines}
    # then
    assert (by_key[(A, P, FEB)].plan_version, by_key[(A, P, MAR)].plan_version) == (1, 2)
    assert by_key[(A, P, MAR)].total == D("811.11")  # 10,000 × 6 % + 2,345.67 × 9 % = 811.1103
    assert [m for (rep, line, m) in by_key if (rep, line) == (B, P)] == [JAN]


def test_explanation_walks_rows_base_attainment_tier_rate_amount():
    # given
    march = next(x for x in _compute() if (x.rep_id, x.product_line_id, x.month) == (A, Q, MAR))
    # when
    steps = explain_line(march)
    # then
    assert steps == [
        "1 transaction in March 2026: sales 5,000.00, commission base 5,000.00.",
        "Objective of the fiscal quarter: 15,000.00; commission base of the fiscal quarter through "
        "March 2026: 16,000.00 (106.67 %).",
        "Tier 2 reached on 2026-03-09.",
        "Rates: tier 1 4 %, tier 2 6 % (retroactive: once the objective is reached, the whole period earns tier 2).",
        "Commission: tier 1 0.00 + tier 2 300.00 + true-up of earlier months 220.00 = 520.00.",
    ]
    feb = next(x for x in _compute() if (x.rep_id, x.product_line_id, x.month) == (A, Q, FEB))
    assert explain_line(feb)[2] == "Tier 1: 4,000.00 to tier 2."


SALE = st.tuples(
    st.sampled_from([(A, P), (A, Q), (B, P), (B, Q)]),
    st.dates(min_value=JAN, max_value=dt.date(2026, 3, 31)),
    st.integers(min_value=-3000, max_value=20000),
)


@settings(max_examples=150, deadline=None)
@given(
    sales=st.lists(SALE, max_size=25),
    extra=SALE,
    rates=st.tuples(st.integers(0, 15), st.integers(0, 15)),
)
def test_adding_a_positive_sale_never_lowers_total_commission(sales, extra, rates):
    # given: plans whose tier-2 rate is at least the tier-1 rate, under every semantics and
    # window (whole percents and whole amounts: no rounding, so the property is exact)
    low, high = sorted(rates)
    assignments = [
        Assignment(
            a.rep_id,
            a.product_line_id,
            PlanTerms(i, 1, D(low), D(high), a.terms.semantics, a.terms.objective_period),
            JAN,
        )
        for i, a in enumerate(ASSIGNMENTS)
    ]
    rows = [(rep, line, day.isoformat(), str(amount)) for (rep, line), day, amount in sales]
    (rep, line), day, amount = extra
    added = [*rows, (rep, line, day.isoformat(), str(abs(amount) + 1))]

    def total(with_rows):
        lines = compute_commissions(
            transactions=transactions_frame(_transactions(with_rows)),
            assignments=assignments,
            objectives=OBJECTIVES,
            months=(JAN, FEB, MAR),
        )
        return sum((x.total for x in lines), D(0))

    # then
    assert total(added) >= total(rows)


def test_an_empty_month_still_has_its_line():
    # when
    lines = _compute(rows=[])
    # then
    assert len(lines) == 12
    assert {x.total for x in lines} == {D("0.00")}
    assert {x.attainment_percent for x in lines} == {D("0.00")}


@pytest.mark.parametrize(
    "fiscal_start, threshold, window_base",
    [(1, "15000.00", "16000.00"), (2, "10000.00", "10000.00"), (3, "5000.00", "5000.00")],
)
def test_quarters_follow_the_fiscal_calendar(fiscal_start, threshold, window_base):
    # when: the fiscal year starts in January, February or March
    lines = _compute(months=(MAR,), fiscal_year_start_month=fiscal_start)
    # then: March's quarter starts then, so it holds three, two or one month of objectives
    # (April and May have none) and of sales
    a_q = next(x for x in lines if (x.rep_id, x.product_line_id) == (A, Q))
    assert (a_q.window_objective, a_q.window_base) == (D(threshold), D(window_base))
