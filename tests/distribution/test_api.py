"""Distribution API: leads in scope, bulk upsert by external id, configs validated, runs as
JobRuns, assignments filterable."""

import pytest
from rest_framework.test import APIClient

from distribution.engine import load_text
from distribution.models import DistributionConfig, Lead, LeadAssignment
from distribution.selectors.inputs import RunOptions, distribution_prepare
from distribution.services.runs import distribution_run
from revops.models import JobRun
from tests.distribution.conftest import ROUND_ROBIN, TODAY

pytestmark = pytest.mark.django_db

BASE = "/api/v1/distribution"


def api_for(membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    return client


@pytest.fixture
def applied(org, floor, saved_config):
    prepared = distribution_prepare(
        org, load_text(ROUND_ROBIN), options=RunOptions(dry_run=False), today=TODAY
    )
    return distribution_run(organization=org, prepared=prepared, config=saved_config)


def _rows(n, **extra):
    return [
        {"external_id": f"ext-{i}", "name": f"Bulk {i}", "campaign_name": "Spring", **extra} for i in range(n)
    ]


def test_bulk_create_is_idempotent_by_external_id(admin, org):
    client = api_for(admin)
    first = client.post(f"{BASE}/leads/bulk/", {"leads": _rows(3)}, format="json")
    again = client.post(f"{BASE}/leads/bulk/", {"leads": _rows(3)}, format="json")
    changed = client.post(f"{BASE}/leads/bulk/", {"leads": _rows(3, status="Open")}, format="json")
    assert first.json() == {"created": 3, "updated": 0, "unchanged": 0}
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 3}
    assert changed.json() == {"created": 0, "updated": 3, "unchanged": 0}
    assert Lead.objects.filter(organization=org, campaign__name="Spring", status="Open").count() == 3


def test_bulk_bad_row_names_it_and_writes_nothing(admin, org):
    rows = _rows(3)
    rows[2]["priority"] = "high"
    response = api_for(admin).post(f"{BASE}/leads/bulk/", {"leads": rows}, format="json")
    assert response.status_code == 400
    assert response.json()["leads"] == {"2": {"priority": ["A valid integer is required."]}}
    assert Lead.objects.count() == 0


def test_bulk_duplicate_external_id_is_refused(admin):
    rows = [*_rows(2), _rows(1)[0]]
    response = api_for(admin).post(f"{BASE}/leads/bulk/", {"leads": rows}, format="json")
    assert response.status_code == 400
    assert "2.external_id" in response.json()
    assert Lead.objects.count() == 0


def test_rep_lists_only_their_leads_and_cannot_write(rep, other_rep, applied):
    client = api_for(rep)
    ids = {row["id"] for row in client.get(f"{BASE}/leads/?limit=100").json()["results"]}
    assert ids == set(Lead.objects.filter(owner=rep.user).values_list("id", flat=True))
    other = Lead.objects.filter(owner=other_rep.user).first()
    assert client.get(f"{BASE}/leads/{other.pk}/").status_code == 404
    assert client.post(f"{BASE}/leads/bulk/", {"leads": _rows(1)}, format="json").status_code == 403
    assert Lead.objects.count() == 10


def test_config_create_validates_and_names_the_path(admin, org):
    client = api_for(admin)
    bad = client.post(
        f"{BASE}/configs/", {"name": "X", "document": ROUND_ROBIN + "colour: red\n"}, format="json"
    )
    good = client.post(f"{BASE}/configs/", {"name": "X", "document": ROUND_ROBIN}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"document": ["colour: unknown key"]}
    assert good.status_code == 201
    assert good.json()["version"] == 1
    patched = client.patch(
        f"{BASE}/configs/{good.json()['id']}/", {"document": ROUND_ROBIN + "# v2\n"}, format="json"
    )
    assert patched.json()["version"] == 2
    assert DistributionConfig.objects.filter(organization=org).count() == 1


def test_run_create_queues_a_job(manager, saved_config):
    response = api_for(manager).post(
        f"{BASE}/runs/", {"config": saved_config.pk, "mode": "dry_run"}, format="json"
    )
    assert response.status_code == 202
    job = JobRun.objects.get(pk=response.json()["job_run"])
    assert (job.kind, job.params["config_id"], job.params["dry_run"]) == (
        "distribution.run",
        saved_config.pk,
        True,
    )


def test_rep_cannot_create_runs(rep, saved_config):
    response = api_for(rep).post(f"{BASE}/runs/", {"config": saved_config.pk}, format="json")
    assert response.status_code == 403
    assert JobRun.objects.count() == 0


def test_assignments_filter_by_rep_and_keep_scope(admin, rep, other_rep, applied):
    mine = api_for(admin).get(f"{BASE}/assignments/?rep={rep.user_id}&limit=100").json()["results"]
    assert {row["rep"] for row in mine} == {rep.user_id}
    assert len(mine) == 5
    assert mine[0]["explanation"]["strategy"] == "round_robin"
    as_rep = api_for(rep).get(f"{BASE}/assignments/?rep={other_rep.user_id}").json()["results"]
    assert as_rep == []
    assert LeadAssignment.objects.count() == 10


def test_runs_are_readable_by_id(admin, applied):
    body = api_for(admin).get(f"{BASE}/runs/{applied.pk}/").json()
    assert (body["mode"], body["counts"]["assigned"], len(body["reps"])) == ("applied", 10, 2)
