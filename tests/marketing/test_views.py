"""Marketing pages: content per actor, scope (rep: own accounts' journeys), writes through services."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from attribution.marketing.models import AttributionRun, RunStatus
from attribution.marketing.services.configs import model_config_save
from attribution.marketing.services.runs import run_create
from tests.marketing.factories import small_world

pytestmark = pytest.mark.django_db

JAN = {"window_start": dt.date(2026, 1, 1), "window_end": dt.date(2026, 1, 31)}


@pytest.fixture
def world(org, admin, rep, other_rep, django_capture_on_commit_callbacks):
    """Alpha and Gamma belong to the rep, Beta to the other rep; a linear and a first-touch run."""
    data = small_world(org, owner=rep, other_owner=other_rep)
    runs = {}
    for model in ("linear", "first", "markov"):
        cfg = model_config_save(
            organization=org, actor=admin.user, name=model, model=model, bootstrap_resamples=10
        )
        with django_capture_on_commit_callbacks(execute=True):
            runs[model], _ = run_create(organization=org, config=cfg, actor=admin.user, **JAN)
    return data | {"runs": runs}


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_comparison_shows_every_model_per_channel(world, admin, client_for):
    response = client_for(admin).get(reverse("marketing:comparison"))
    assert response.status_code == 200
    text = _text(response)
    for label in ("First touch", "Linear", "Markov removal effect", "Search", "Email", "Webinar"):
        assert label in text
    # linear gives Search 4,500 of 12,000 (37.5 %); first touch 9,000 (75.0 %): a strong disagreement
    assert "37.5 %" in text and "75.0 %" in text
    assert "Models disagree on Search" in text


def test_channel_performance_shows_spend_roas_and_recommendation(world, admin, client_for):
    run = world["runs"]["linear"]
    response = client_for(admin).get(reverse("marketing:channels"), {"run": run.pk})
    text = _text(response)
    # Search: 4,500 revenue on 600 spend → ROAS 7.50×; every channel touches < 30 journeys: thin
    assert "7.50×" in text
    assert "Too little data" in text
    assert "stage win rate" in text


@pytest.mark.parametrize(
    "name", ["marketing:comparison", "marketing:channels", "marketing:runs", "marketing:run-compare"]
)
def test_reps_and_partners_do_not_get_the_organization_pages(world, rep, partner_user, client_for, name):
    assert client_for(rep).get(reverse(name)).status_code == 403
    # partner users live in the portal: internal pages answer them 404, as if absent
    assert client_for(partner_user).get(reverse(name)).status_code == 404


def test_rep_sees_only_journeys_of_own_accounts(world, rep, client_for):
    client = client_for(rep)
    listing = _text(client.get(reverse("marketing:journeys")))
    assert "Alpha expansion" in listing
    assert "Beta renewal" not in listing
    own = client.get(reverse("marketing:journey", args=[world["opportunities"]["alpha"].pk]))
    assert own.status_code == 200
    assert "Webinar" in _text(own)
    other = client.get(reverse("marketing:journey", args=[world["opportunities"]["beta"].pk]))
    assert other.status_code == 404


def test_journey_shows_each_models_credit_per_touch(world, admin, client_for):
    text = _text(
        client_for(admin).get(reverse("marketing:journey", args=[world["opportunities"]["alpha"].pk]))
    )
    # Alpha: search, email, webinar. First touch: 100 % on search; linear 33.3 % each
    assert text.count("33.3 %") == 3
    assert "100.0 %" in text


def test_other_organization_sees_no_journey(world, other_org_admin, client_for):
    response = client_for(other_org_admin).get(
        reverse("marketing:journey", args=[world["opportunities"]["alpha"].pk])
    )
    assert response.status_code == 404


def test_finance_promotes_a_run_and_a_manager_may_not(world, finance_admin, manager, client_for):
    run = world["runs"]["linear"]
    url = reverse("marketing:run-promote", args=[run.pk])
    assert client_for(manager).post(url).status_code == 403
    assert not AttributionRun.objects.filter(promoted=True).exists()
    assert client_for(finance_admin).post(url).status_code == 302
    run.refresh_from_db()
    assert run.promoted


def test_manager_starts_a_run(world, org, manager, client_for, django_capture_on_commit_callbacks):
    cfg = world["runs"]["first"].config
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(
            reverse("marketing:run-create"),
            {"config": cfg.pk, "window_start": "2026-01-01", "window_end": "2026-01-31"},
        )
    assert response.status_code == 302
    latest = AttributionRun.objects.order_by("-id").first()
    assert (latest.config_id, latest.status) == (cfg.pk, RunStatus.DONE)


def test_run_compare_names_the_config_change(world, admin, client_for):
    a, b = world["runs"]["linear"], world["runs"]["first"]
    text = _text(client_for(admin).get(reverse("marketing:run-compare"), {"a": a.pk, "b": b.pk}))
    assert "model: &#x27;linear&#x27; → &#x27;first&#x27;" in text


def test_exports_answer_csv(world, admin, client_for):
    response = client_for(admin).get(reverse("marketing:channels"), {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content if response.streaming else [response.content]).decode(
        "utf-8-sig"
    )
    assert body.splitlines()[0].startswith("Channel,Group,Conversions,Revenue")
