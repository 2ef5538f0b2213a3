"""The commissions dashboard runs the engine once per request and shows the same figures as the
two runs it used to make (the year to date, then the open pipeline's longer window)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from commissions.selectors import inputs
from commissions.selectors.dashboard import rep_dashboard
from commissions.selectors.pipeline import expected_pipeline
from commissions.selectors.reps import rep_get
from tests.commissions import test_pipeline
from tests.commissions.factories import objectives, sale
from tests.commissions.test_pipeline import MID_MARCH

# The page tests' fixtures: the rep's open deals, and "today" in mid-March 2026.
deals = test_pipeline.deals
mid_march = test_pipeline.mid_march

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine_calls(monkeypatch):
    """How many times the engine ran (the real engine, counted)."""
    calls = []
    real = inputs.compute_commissions

    def counted(**kwargs):
        calls.append(sorted(kwargs["months"]))
        return real(**kwargs)

    monkeypatch.setattr(inputs, "compute_commissions", counted)
    return calls


def test_one_engine_run_gives_the_figures_of_the_two_separate_runs(
    org,
    rep,
    deals,
    mid_march,
    commission_book,
    client_for,
    engine_calls,
):
    # given: a sale dated after today and next quarter's objectives, which only the pipeline's
    # longer window (to April, when the Juniper deal closes) reads
    lines, _plans = commission_book
    sale(org, rep.user, lines["P"], "2026-04-20", "50000")
    sale(org, rep.user, lines["Q"], "2026-04-02", "9000")
    objectives(org, rep.user, lines["Q"], ["3000", "3000", "3000"], first=dt.date(2026, 4, 1))
    choice = rep_get(membership=rep, user_id=rep.user_id)
    separate_dashboard = rep_dashboard(membership=rep, rep=choice, today=MID_MARCH)
    separate_pipeline = expected_pipeline(membership=rep, rep=choice, today=MID_MARCH)
    assert len(engine_calls) == 2
    engine_calls.clear()
    # when
    response = client_for(rep).get(reverse("commissions:dashboard"))
    # then: one run, from January to April, and every figure as the separate runs gave it
    assert response.status_code == 200
    assert engine_calls == [[dt.date(2026, month, 1) for month in (1, 2, 3, 4)]]
    dashboard, pipeline = response.context["dashboard"], response.context["pipeline"]
    assert dashboard == separate_dashboard
    assert pipeline == separate_pipeline
    # and the figures are the year to date's (the April sales are not in them)
    assert dashboard.ytd_sales == Decimal("44345.67")
    assert [p.month for p in dashboard.months] == [dt.date(2026, month, 1) for month in (1, 2, 3)]
    assert [(r.name, r.expected.expected) for r in pipeline.rows] == [
        (r.name, r.expected.expected) for r in separate_pipeline.rows
    ]


def test_without_open_deals_the_dashboard_runs_the_engine_once_over_the_year_to_date(
    org,
    rep,
    mid_march,
    commission_book,
    client_for,
    engine_calls,
):
    # when
    response = client_for(rep).get(reverse("commissions:dashboard"))
    # then
    assert response.status_code == 200
    assert engine_calls == [[dt.date(2026, month, 1) for month in (1, 2, 3)]]
    pipeline = response.context["pipeline"]
    assert (pipeline.rows, pipeline.deals, pipeline.expected) == ([], 0, Decimal("0.00"))
