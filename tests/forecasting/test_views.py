"""Forecasting pages and API: scope (rep own, manager team, other organization 404) and content."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forecasting.models import DealScore, ForecastCall, ForecastSnapshot, ModelVersion
from forecasting.selectors.periods import quarter_of
from forecasting.services.forecast import snapshot_take
from forecasting.services.modelling import deals_score, win_model_train
from revops.models import Opportunity
from revops.models.crm import OPEN_STAGES
from tests.forecasting.conftest import TODAY
from tests.forecasting.factories import deal_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(org, rep, other_rep, manager, other_team_manager):
    """The rep's deals are named "Kestrel …", the other team's rep's "Osprey …"."""
    deal_book(org, [rep.user], n=80, seed=1, today=TODAY, prefix="Kestrel")
    deal_book(org, [other_rep.user], n=80, seed=2, today=TODAY, prefix="Osprey")
    win_model_train(organization=org)
    deals_score(organization=org, as_of=TODAY)
    snapshot_take(organization=org, as_of=TODAY, sims=1_000)
    return org


def _open_score(org, prefix):
    return DealScore.objects.current().filter(organization=org, opportunity__name__startswith=prefix).first()


def test_risk_dashboard_shows_a_rep_only_their_own_deals(scored, rep, client_for):
    response = client_for(rep).get(reverse("forecasting:risk"))
    body = response.content.decode()
    assert response.status_code == 200
    mine = DealScore.objects.current().filter(opportunity__owner=rep.user).count()
    assert f"{mine} deals" in body
    assert "Kestrel" in body
    assert "Osprey" not in body


def test_risk_dashboard_shows_admin_every_deal_sorted_by_risk_times_value(scored, admin, client_for):
    response = client_for(admin).get(reverse("forecasting:risk"))
    page = response.context["page_obj"]
    values = [s.risk_value for s in page]
    assert values == sorted(values, reverse=True)
    assert response.context["summary"].deals == DealScore.objects.current().count()


def test_deal_page_shows_probability_drivers_and_narrative(scored, rep, client_for):
    score = _open_score(scored, "Kestrel")
    response = client_for(rep).get(reverse("forecasting:deal", args=[score.opportunity_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert score.narrative.split(":")[0] in body
    assert "Stage × segment win rate (small data) v1" in body
    for action in score.actions:
        assert action.split(":")[0] in body


def test_deal_page_of_another_team_or_organization_is_404(scored, rep, manager, other_org_admin, client_for):
    other = _open_score(scored, "Osprey")
    url = reverse("forecasting:deal", args=[other.opportunity_id])
    assert client_for(rep).get(url).status_code == 404
    assert client_for(manager).get(url).status_code == 404
    assert client_for(other_org_admin).get(url).status_code == 404


def test_forecast_page_for_admin_has_periods_fan_and_probability_of_target(scored, admin, client_for):
    response = client_for(admin).get(reverse("forecasting:forecast"), {"target": "1000"})
    body = response.content.decode()
    assert response.status_code == 200
    snapshot = ForecastSnapshot.objects.get()
    assert [p["label"] for p in response.context["view"].periods] == [p["label"] for p in snapshot.periods]
    assert 0 <= response.context["probability_of_target"] <= 1
    assert 'id="forecast-fan"' in body


def test_forecast_page_for_a_rep_is_their_own_quarter_without_others_deals(scored, rep, client_for):
    response = client_for(rep).get(reverse("forecasting:forecast"))
    body = response.content.decode()
    assert response.context["view"].periods == []
    assert (
        response.context["quarter_row"]
        == ForecastSnapshot.objects.get().baseline["by_owner"][str(rep.user_id)]
    )
    assert "Your own deals." in body
    assert "Osprey" not in body


def test_rep_submits_a_call_and_the_manager_adjusts_it_with_a_reason(scored, rep, manager, client_for):
    rep_client = client_for(rep)
    response = rep_client.post(
        reverse("forecasting:call-submit"),
        {"commit": "1000", "best_case": "2000", "pipeline": "5000", "note": "Two big ones"},
    )
    assert response.status_code == 302
    call = ForecastCall.objects.get(owner=rep.user)
    assert (call.commit, call.period_start) == (Decimal("1000.00"), quarter_of(scored, dt.date.today()).start)
    # when: the manager adjusts without a reason, then with one
    manager_client = client_for(manager)
    manager_client.post(
        reverse("forecasting:call-adjust", args=[call.pk]), {"adjusted_commit": "800", "reason": ""}
    )
    call.refresh_from_db()
    assert call.adjusted_commit is None
    manager_client.post(
        reverse("forecasting:call-adjust", args=[call.pk]), {"adjusted_commit": "800", "reason": "Slipping"}
    )
    call.refresh_from_db()
    assert (call.adjusted_commit, call.adjustment_reason, call.adjusted_by) == (
        Decimal("800.00"),
        "Slipping",
        manager.user,
    )
    body = manager_client.get(reverse("forecasting:forecast")).content.decode()
    assert "Slipping" in body


def test_a_call_breaking_commit_best_pipeline_order_is_refused(scored, rep, client_for):
    client_for(rep).post(
        reverse("forecasting:call-submit"), {"commit": "3000", "best_case": "2000", "pipeline": "5000"}
    )
    assert ForecastCall.objects.count() == 0


def test_another_teams_manager_cannot_adjust_the_call(scored, rep, other_team_manager, client_for):
    client_for(rep).post(
        reverse("forecasting:call-submit"), {"commit": "1", "best_case": "2", "pipeline": "3"}
    )
    call = ForecastCall.objects.get()
    response = client_for(other_team_manager).post(
        reverse("forecasting:call-adjust", args=[call.pk]), {"adjusted_commit": "0", "reason": "No"}
    )
    assert response.status_code == 404
    call.refresh_from_db()
    assert call.adjusted_commit is None


def test_model_page_shows_metrics_and_history(scored, finance_admin, client_for):
    response = client_for(finance_admin).get(reverse("forecasting:model"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Stage × segment win rate (small data:" in body
    assert 'id="model-history"' in body


def test_rep_cannot_train(scored, rep, client_for):
    assert client_for(rep).post(reverse("forecasting:job-start", args=["train"])).status_code == 403


def test_api_scores_are_scoped_and_filterable(scored, rep, admin, client_for):
    rows = client_for(rep).get("/api/v1/forecasting/scores/?limit=500").json()["results"]
    assert {r["owner"] for r in rows} == {rep.user_id}
    assert all(r["opportunity_name"].startswith("Kestrel") for r in rows)
    high = client_for(admin).get("/api/v1/forecasting/scores/?risk_band=high&limit=500").json()["results"]
    assert {r["risk_band"] for r in high} <= {"high"}
    assert len(high) == DealScore.objects.current().filter(risk_band="high").count()
    other = _open_score(scored, "Osprey")
    assert client_for(rep).get(f"/api/v1/forecasting/scores/{other.pk}/").status_code == 404


def test_api_forecast_models_and_train(
    scored, admin, rep, other_org_admin, client_for, django_capture_on_commit_callbacks
):
    forecast = client_for(admin).get("/api/v1/forecasting/forecast/").json()
    assert forecast["scope"] == "organization" and len(forecast["periods"]) == 8
    mine = client_for(rep).get("/api/v1/forecasting/forecast/").json()
    assert mine["periods"] == [] and mine["mine"]["p50"] >= 0
    models = client_for(admin).get("/api/v1/forecasting/models/").json()["results"]
    assert [m["number"] for m in models] == [1]
    assert client_for(other_org_admin).get("/api/v1/forecasting/models/").json()["results"] == []
    assert client_for(rep).post("/api/v1/forecasting/train/").status_code == 403
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(admin).post("/api/v1/forecasting/train/", {"idempotency_key": "k1"})
    assert response.status_code == 202
    assert response.json()["kind"] == "forecasting.train"
    assert Opportunity.objects.filter(organization=scored).count() == 160


@pytest.mark.parametrize(
    "_case, path",
    [
        ("risk page", "/forecasting/"),
        ("deal page", "deal"),
        ("model page", "/forecasting/model/"),
        ("scores API", "/api/v1/forecasting/scores/?limit=50"),
        ("models API", "/api/v1/forecasting/models/"),
    ],
)
def test_pages_and_api_show_scores_without_reading_the_model_artifact(_case, path, scored, admin, client_for):
    # given: the active model's artifact (the engine's JSON) is large; scores show its number only
    if path == "deal":
        path = reverse("forecasting:deal", args=[_open_score(scored, "Kestrel").opportunity_id])
    client = client_for(admin)
    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    # then: the page answers with its scores and no query selects the artifact column
    assert response.status_code == 200
    if path.startswith("/api/"):
        expected = (
            min(
                50,
                DealScore.objects.current()
                .filter(organization=scored, opportunity__stage__in=OPEN_STAGES)
                .count(),
            )
            if "scores" in path
            else ModelVersion.objects.filter(organization=scored).count()
        )
        assert response.json()["count"] >= len(response.json()["results"]) == expected
    else:
        assert "v1" in response.content.decode()
    assert [q["sql"] for q in queries.captured_queries if '"artifact"' in q["sql"]] == []
