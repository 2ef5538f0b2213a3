"""Runs end to end on a hand-built world: journeys, credit, totals, pipeline figures, promotion."""

import datetime as dt
from decimal import Decimal

import pytest

from attribution.marketing.models import AttributionRun, ChannelResult, RunStatus, TouchCredit
from attribution.marketing.selectors.journeys import journey_data
from attribution.marketing.services.configs import model_config_save
from attribution.marketing.services.runs import ERROR_NOT_DONE, run_create, run_promote
from revops.exceptions import ApplicationError
from revops.models import AuditEvent, JobRun
from tests.marketing.factories import small_world

pytestmark = pytest.mark.django_db

JAN = {"window_start": dt.date(2026, 1, 1), "window_end": dt.date(2026, 1, 31)}


def _run(org, admin, capture, model, **config):
    cfg = model_config_save(
        organization=org, actor=admin.user, name=f"{model} test", model=model, bootstrap_resamples=0, **config
    )
    with capture(execute=True):
        run, job = run_create(organization=org, config=cfg, actor=admin.user, **JAN)
    run.refresh_from_db()
    job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    return run


def _by_channel(run):
    return {
        r.channel.name: (r.conversions, r.value)
        for r in ChannelResult.objects.filter(run=run).select_related("channel")
    }


def test_account_journeys_end_at_the_opportunity_and_gamma_does_not_convert(org, admin):
    world = small_world(org)
    cfg = model_config_save(organization=org, actor=admin.user, name="x", model="linear")
    data = journey_data(organization=org, config=cfg, **JAN)
    assert sorted(data.journey_key) == [
        f"account:{world['accounts'][n].pk}" for n in ("alpha", "beta", "gamma")
    ]
    assert data.journeys.n_journeys == 3
    assert data.journeys.total_conversions() == 2
    assert data.journeys.total_value() == 12000.0


def test_linear_run_credits_by_hand_and_adds_up_to_the_cent(org, admin, django_capture_on_commit_callbacks):
    small_world(org)
    run = _run(org, admin, django_capture_on_commit_callbacks, "linear")
    assert run.status == RunStatus.DONE
    # Alpha 9,000 over search, email, webinar (3,000 each); Beta 3,000 over email, search (1,500 each)
    assert _by_channel(run) == {
        # 5/6, 5/6 and 1/3 to 4 places: the spare 0.0001 goes to the first channel by name
        "Email": (Decimal("0.8334"), Decimal("4500.00")),
        "Search": (Decimal("0.8333"), Decimal("4500.00")),
        "Webinar": (Decimal("0.3333"), Decimal("3000.00")),
    }
    assert (run.conversions, run.value, run.journeys, run.touches) == (
        Decimal("2.0000"),
        Decimal("12000.00"),
        3,
        6,
    )
    # per-touch credit is stored for the two converting journeys only (5 touches)
    assert TouchCredit.objects.filter(run=run).count() == 5
    search = ChannelResult.objects.get(run=run, channel__name="Search")
    # search touches Alpha, Beta and Gamma; Beta is won and closed
    assert (search.journeys, search.converting_journeys, search.won_journeys, search.closed_journeys) == (
        3,
        2,
        1,
        1,
    )
    # open pipeline: a third of Alpha's 9,000; stage win rate with no closed deals in its stage is 0
    assert search.open_pipeline == Decimal("3000.00")
    assert run.probability_source == "stage win rate"


def test_first_touch_with_won_conversion_credits_only_beta(org, admin, django_capture_on_commit_callbacks):
    small_world(org)
    run = _run(org, admin, django_capture_on_commit_callbacks, "first", conversion_event="won")
    # only Beta is won (closed 20 Jan): its first touch is email
    assert _by_channel(run) == {
        "Search": (Decimal("0.0000"), Decimal("0.00")),
        "Email": (Decimal("1.0000"), Decimal("3000.00")),
        "Webinar": (Decimal("0.0000"), Decimal("0.00")),
    }


def test_excluded_channel_and_lookback_narrow_the_journeys(org, admin, django_capture_on_commit_callbacks):
    small_world(org)
    run = _run(
        org, admin, django_capture_on_commit_callbacks, "last", excluded_channels=["Webinar"], lookback_days=6
    )
    # Alpha (created 10 Jan, 6 days back → from 5 Jan): email@5 is the last non-excluded touch
    # Beta (12 Jan → from 7 Jan): no touch left, so its conversion cannot be credited
    assert _by_channel(run) == {
        "Search": (Decimal("0.0000"), Decimal("0.00")),
        "Email": (Decimal("1.0000"), Decimal("9000.00")),
    }
    assert run.conversions == Decimal("1.0000")


def test_markov_run_with_bootstrap_stores_intervals(org, admin, django_capture_on_commit_callbacks):
    small_world(org)
    cfg = model_config_save(
        organization=org, actor=admin.user, name="m", model="markov", bootstrap_resamples=20
    )
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = run_create(organization=org, config=cfg, actor=admin.user, **JAN)
    run.refresh_from_db()
    assert run.has_intervals and run.order_used == 1
    rows = ChannelResult.objects.filter(run=run)
    assert sum(r.value for r in rows) == Decimal("12000.00")
    assert all(r.conversions_low <= r.conversions <= r.conversions_high for r in rows)
    assert all(r.removal_effect is not None for r in rows)


def test_promote_moves_the_flag_and_audits(org, admin, finance_admin, django_capture_on_commit_callbacks):
    small_world(org)
    first = _run(org, admin, django_capture_on_commit_callbacks, "linear")
    second = _run(org, admin, django_capture_on_commit_callbacks, "first")
    run_promote(run=first, actor=finance_admin.user)
    run_promote(run=second, actor=finance_admin.user)
    run_promote(run=second, actor=finance_admin.user)  # again: no-op
    assert list(AttributionRun.objects.filter(promoted=True)) == [second]
    assert AuditEvent.objects.filter(action="marketing.run.promote").count() == 2


def test_promoting_an_unfinished_run_is_refused_and_changes_nothing(org, admin, finance_admin):
    small_world(org)
    cfg = model_config_save(organization=org, actor=admin.user, name="q", model="linear")
    run, _ = run_create(organization=org, config=cfg, actor=admin.user, **JAN)  # on_commit not run: queued
    with pytest.raises(ApplicationError, match=ERROR_NOT_DONE):
        run_promote(run=run, actor=finance_admin.user)
    run.refresh_from_db()
    assert (run.status, run.promoted) == (RunStatus.QUEUED, False)
    assert not AuditEvent.objects.filter(action="marketing.run.promote").exists()


def test_config_changes_make_versions_and_runs_keep_theirs(org, admin):
    v1 = model_config_save(organization=org, actor=admin.user, name="Q1", model="linear")
    same = model_config_save(organization=org, actor=admin.user, name="Q1", model="linear")
    v2 = model_config_save(organization=org, actor=admin.user, name="Q1", lookback_days=30)
    v1.refresh_from_db()
    assert same.pk == v1.pk
    assert (v1.version, v1.is_current, v2.version, v2.is_current) == (1, False, 2, True)
    assert (v2.model, v2.lookback_days) == ("linear", 30)
    with pytest.raises(ApplicationError):
        run_create(organization=org, config=v1, actor=admin.user, **JAN)
