"""Training with promotion, scoring, the provider, snapshots and the commands, on the database."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from forecasting.models import CurrentScores, DealScore, ForecastSnapshot, ModelVersion
from forecasting.services.forecast import snapshot_take
from forecasting.services.modelling import deals_score, win_model_train
from revops.exceptions import ApplicationError
from revops.models import AuditEvent, Opportunity
from revops.models.crm import OPEN_STAGES
from revops.providers import STAGE_WIN_RATE_SOURCE, win_probabilities
from tests.forecasting.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_small_book_trains_the_labelled_small_data_model_and_scores_every_open_deal(org, small_book):
    # when
    outcome = win_model_train(organization=org)
    counts = deals_score(organization=org, as_of=TODAY)
    # then
    version = outcome.version
    assert outcome.promoted
    assert (version.number, version.status, version.kind) == (1, "active", "stage_segment_beta")
    assert (
        version.label
        == f"Stage × segment win rate (small data: {version.counts['closed_deals']} closed deals)"
    )
    open_deals = Opportunity.objects.filter(organization=org, stage__in=OPEN_STAGES, created_date__lte=TODAY)
    assert counts == {"scored": open_deals.count(), "unchanged": 0, "model_version": 1}
    assert DealScore.objects.current().filter(organization=org).count() == open_deals.count()
    assert AuditEvent.objects.filter(organization=org, action="forecasting.model_train").count() == 1


def test_scoring_twice_the_same_day_writes_nothing_new(org, small_book):
    win_model_train(organization=org)
    first = deals_score(organization=org, as_of=TODAY)
    # when
    again = deals_score(organization=org, as_of=TODAY)
    # then
    assert again == {"scored": 0, "unchanged": first["scored"], "model_version": 1}
    assert DealScore.objects.filter(organization=org).count() == first["scored"]


def test_a_new_day_keeps_the_history_and_moves_current(org, small_book):
    win_model_train(organization=org)
    first = deals_score(organization=org, as_of=TODAY)
    # when
    deals_score(organization=org, as_of=TODAY + dt.timedelta(days=1))
    # then
    assert DealScore.objects.filter(organization=org).count() == 2 * first["scored"]
    assert DealScore.objects.current().filter(organization=org).count() == first["scored"]
    assert set(DealScore.objects.current().values_list("as_of", flat=True)) == {TODAY + dt.timedelta(days=1)}


def test_a_new_day_moves_only_the_pointer_and_leaves_the_earlier_rows_unchanged(org, small_book):
    # given: a day scored
    win_model_train(organization=org)
    first = deals_score(organization=org, as_of=TODAY)
    before = list(DealScore.objects.filter(organization=org).order_by("id").values())
    # when
    deals_score(organization=org, as_of=TODAY + dt.timedelta(days=1))
    # then: yesterday's rows are exactly as they were; one pointer names the new day
    assert list(DealScore.objects.filter(organization=org, as_of=TODAY).order_by("id").values()) == before
    pointer = CurrentScores.objects.get(organization=org)
    assert pointer.as_of == TODAY + dt.timedelta(days=1)
    assert CurrentScores.objects.count() == 1
    assert DealScore.objects.current().count() == first["scored"]


def test_a_deal_closed_after_scoring_is_no_longer_current_anywhere(org, small_book):
    # given
    win_model_train(organization=org)
    deals_score(organization=org, as_of=TODAY)
    score = DealScore.objects.current().filter(organization=org).order_by("id").first()
    current = DealScore.objects.current().filter(organization=org).count()
    # when: the deal is won after the run
    Opportunity.objects.filter(pk=score.opportunity_id).update(stage="closed_won", close_date=TODAY)
    # then: its score is history, and the provider falls back to the stage's rate
    assert DealScore.objects.current().filter(organization=org).count() == current - 1
    assert DealScore.objects.filter(pk=score.pk).exists()
    found = win_probabilities(org, [score.opportunity_id])
    assert found[score.opportunity_id].source == STAGE_WIN_RATE_SOURCE


def test_deleting_a_scored_deal_deletes_its_scores_and_a_scoring_model_stays_protected(org, small_book):
    # given: scores, whose table keeps no database foreign keys (the ORM keeps the references)
    from django.db.models import ProtectedError

    win_model_train(organization=org)
    deals_score(organization=org, as_of=TODAY)
    score = DealScore.objects.filter(organization=org).select_related("opportunity").first()
    deal = score.opportunity
    others = DealScore.objects.filter(organization=org).exclude(opportunity=deal).count()
    version = score.model_version
    # when
    deal.delete()
    # then: the deal's scores went with it, the others stayed, and the model cannot go
    assert not DealScore.objects.filter(opportunity_id=deal.pk).exists()
    assert DealScore.objects.filter(organization=org).count() == others
    with pytest.raises(ProtectedError):
        version.delete()
    assert ModelVersion.objects.filter(pk=version.pk).exists()


def test_big_book_uses_lightgbm_and_a_retrain_that_does_not_beat_it_is_not_promoted(org, big_book):
    first = win_model_train(organization=org).version
    assert first.kind == "lightgbm"
    assert set(first.metrics) >= {"auc", "brier", "log_loss", "ece", "examples"}
    assert len(first.reliability) == 10
    # when: the same data again gives the same model, which does not beat the active one
    second = win_model_train(organization=org)
    # then
    assert not second.promoted
    assert second.version.status == ModelVersion.Status.CANDIDATE
    assert "does not beat v1" in second.version.promotion_note
    assert ModelVersion.objects.get(organization=org, status="active").pk == first.pk


def test_scoring_without_a_model_is_refused_and_writes_nothing(org, small_book):
    with pytest.raises(ApplicationError, match="No active win model"):
        deals_score(organization=org, as_of=TODAY)
    assert DealScore.objects.count() == 0


def test_training_without_closed_deals_is_refused(org):
    with pytest.raises(ApplicationError, match="No closed deals"):
        win_model_train(organization=org)
    assert ModelVersion.objects.count() == 0


def test_provider_gives_the_current_score_and_falls_back_for_unscored_deals(org, small_book, other_org):
    win_model_train(organization=org)
    deals_score(organization=org, as_of=TODAY)
    scored = DealScore.objects.current().filter(organization=org).first()
    closed = Opportunity.objects.filter(organization=org, stage="closed_won").first()
    # when
    found = win_probabilities(org, [scored.opportunity_id, closed.pk])
    # then
    assert found[scored.opportunity_id].probability == scored.probability
    assert found[scored.opportunity_id].source == "Stage × segment win rate (small data) v1"
    assert found[closed.pk].source == STAGE_WIN_RATE_SOURCE
    assert found[closed.pk].probability == Decimal("1")
    # another organization never reads these scores
    assert win_probabilities(other_org, [scored.opportunity_id]) == {}


def test_snapshot_has_ordered_quantiles_per_period_and_is_reproducible(org, small_book):
    win_model_train(organization=org)
    deals_score(organization=org, as_of=TODAY)
    # when
    first = snapshot_take(organization=org, as_of=TODAY, sims=2_000)
    periods = [(p["label"], p["p10"], p["p50"], p["p90"]) for p in first.periods]
    again = snapshot_take(organization=org, as_of=TODAY, sims=2_000)
    # then
    assert [p["label"] for p in first.periods] == [
        "Nov 2026",
        "Dec 2026",
        "Jan 2027",
        "Feb 2027",
        "Mar 2027",
        "Apr 2027",
        "FY2026 Q4",
        "FY2027 Q1",
    ]
    assert all(p10 <= p50 <= p90 for _, p10, p50, p90 in periods)
    assert [(p["label"], p["p10"], p["p50"], p["p90"]) for p in again.periods] == periods
    assert ForecastSnapshot.objects.filter(organization=org).count() == 1
    assert len(first.pipeline) == DealScore.objects.current().filter(organization=org).count()
    assert set(first.baseline["by_owner"]) == {
        str(u) for u in Opportunity.objects.values_list("owner_id", flat=True).distinct()
    }


def test_commands_train_score_and_backtest(org, big_book):
    out = StringIO()
    call_command("train_win_model", "--org", "acme", stdout=out)
    text = out.getvalue()
    assert text.startswith("Model v1: LightGBM")
    assert "Holdout (" in text and "Scored " in text
    out = StringIO()
    call_command(
        "forecast_backtest",
        "--org",
        "acme",
        "--quarters",
        "2",
        "--sims",
        "500",
        "--as-of",
        "2026-11-15",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("FY2026 Q2")
    assert lines[2].startswith("FY2026 Q3")
    assert lines[-1].startswith("Revenue in P10–P90: ")
