"""Marketing API reads: runs, a run's channel credit, the model comparison and the journeys,
scoped like the pages (reps: their own accounts' journeys; partners: nothing)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from attribution.marketing.services.configs import model_config_save
from attribution.marketing.services.runs import run_create
from tests.marketing.factories import small_world

pytestmark = pytest.mark.django_db

JAN = {"window_start": dt.date(2026, 1, 1), "window_end": dt.date(2026, 1, 31)}


@pytest.fixture
def world(org, admin, rep, other_rep, django_capture_on_commit_callbacks):
    data = small_world(org, owner=rep, other_owner=other_rep)
    runs = {}
    for model in ("linear", "first"):
        cfg = model_config_save(
            organization=org, actor=admin.user, name=model, model=model, bootstrap_resamples=5
        )
        with django_capture_on_commit_callbacks(execute=True):
            runs[model], _ = run_create(organization=org, config=cfg, actor=admin.user, **JAN)
    return data | {"runs": runs}


def _client(membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    return client


def test_runs_and_channel_credit(world, finance_admin):
    client = _client(finance_admin)
    listing = client.get(reverse("marketing-api:run-list")).json()
    assert [r["model"] for r in listing["results"]] == ["first", "linear"]
    linear = world["runs"]["linear"]
    detail = client.get(reverse("marketing-api:run-detail", args=[linear.pk])).json()
    assert (detail["status"], detail["value"], detail["config"]) == ("done", "12000.00", "linear")
    credit = client.get(reverse("marketing-api:run-channels", args=[linear.pk])).json()
    # Alpha 9,000 over search, email, webinar; Beta 3,000 over email, search
    assert {c["channel"]: c["value"] for c in credit} == {
        "Email": "4500.00",
        "Search": "4500.00",
        "Webinar": "3000.00",
    }
    assert sum(Decimal(c["value"]) for c in credit) == Decimal(detail["value"])
    assert all(c["value_low"] is not None for c in credit)


def test_comparison_lists_every_model_per_channel_with_notes(world, admin):
    body = _client(admin).get(reverse("marketing-api:comparison")).json()
    runs = world["runs"]
    assert body["runs"] == [runs["first"].pk, runs["linear"].pk]
    search = next(row for row in body["rows"] if row["channel"] == "Search")
    assert {m["model"]: m["share"] for m in search["models"]} == {"first": "75.0", "linear": "37.5"}
    assert search["note"].startswith("Models disagree on Search")
    assert search["note"] in body["notes"]


def test_rep_reads_only_journeys_of_own_accounts(world, rep):
    client = _client(rep)
    body = client.get(reverse("marketing-api:journeys")).json()
    assert [j["name"] for j in body["journeys"]] == ["Alpha expansion"]
    own = client.get(reverse("marketing-api:journey", args=[world["opportunities"]["alpha"].pk]))
    assert own.status_code == 200
    touches = own.json()["touches"]
    assert [t["channel"] for t in touches] == ["Search", "Email", "Webinar"]
    assert touches[0]["shares"] == {"First touch": 100.0, "Linear": pytest.approx(100 / 3)}
    other = client.get(reverse("marketing-api:journey", args=[world["opportunities"]["beta"].pk]))
    assert other.status_code == 404


def test_reps_get_no_organization_figures_and_partners_nothing(world, rep, partner_user):
    rep_client, partner_client = _client(rep), _client(partner_user)
    run = world["runs"]["linear"]
    for url in (
        reverse("marketing-api:run-list"),
        reverse("marketing-api:run-channels", args=[run.pk]),
        reverse("marketing-api:comparison"),
    ):
        assert rep_client.get(url).status_code == 403
    for url in (reverse("marketing-api:journeys"), reverse("marketing-api:run-list")):
        assert partner_client.get(url).status_code == 404  # partners never learn internal routes


def test_another_organizations_run_is_not_found(world, other_org_admin):
    run = world["runs"]["linear"]
    client = _client(other_org_admin)
    assert client.get(reverse("marketing-api:run-channels", args=[run.pk])).status_code == 404
    assert client.get(reverse("marketing-api:run-list")).json()["results"] == []
    assert client.get(reverse("marketing-api:comparison")).json() == {"runs": [], "rows": [], "notes": []}
