"""Every declared export, in every format, requested by every actor (the export registry).

Expected answers are written out per export: the file itself (200) for small CSV/Excel, a
redirect to the export's progress page (303) for PDFs, 403 for roles that may not export it,
the sign-in page for anonymous visitors. Content is checked too: a rep's file holds only their
deals, another organization's admin gets only theirs.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from revops.export_registry import export_specs
from revops.models import JobRun
from tests.revops.factories import (
    JobRunFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "admin", "manager", "finance", "rep", "partner", "outsider")
OK = "ok"  # 200 with the file (CSV/Excel) or 303 to the progress page (PDF)
LOGIN = "login"
# Per export: the answer for each actor, in ACTORS order.
EXPECTED = {
    "opportunities": (LOGIN, OK, OK, OK, OK, 403, OK),
    "top-accounts": (LOGIN, OK, OK, OK, OK, 403, OK),
    "jobs": (LOGIN, OK, OK, OK, 403, 403, OK),
}
CASES = [(spec.key, fmt, actor) for spec in export_specs() for fmt in spec.formats for actor in ACTORS]


@pytest.fixture
def world():
    org = OrganizationFactory(slug="acme-export")
    other = OrganizationFactory(slug="globex-export")
    manager = MembershipFactory(organization=org, role="manager")
    actors = {
        "admin": MembershipFactory(organization=org, role="admin"),
        "manager": manager,
        "finance": MembershipFactory(organization=org, role="finance"),
        "rep": MembershipFactory(organization=org, role="rep", manager=manager),
        "partner": MembershipFactory(organization=org, role="partner"),
        "outsider": MembershipFactory(organization=other, role="admin"),
    }
    other_rep = MembershipFactory(organization=org, role="rep")
    OpportunityFactory(
        organization=org, owner=actors["rep"].user, name="SENTINEL-OWN-DEAL", stage="closed_won"
    )
    OpportunityFactory(organization=org, owner=other_rep.user, name="SENTINEL-OTHER-REP", stage="closed_won")
    OpportunityFactory(organization=other, owner=actors["outsider"].user, name="SENTINEL-GLOBEX")
    JobRunFactory(organization=org)
    return actors


def test_every_declared_export_has_expectations():
    assert sorted(EXPECTED) == sorted(spec.key for spec in export_specs())


@pytest.mark.parametrize(("key", "fmt", "actor"), CASES, ids=[f"{k}|{f}|{a}" for k, f, a in CASES])
def test_export_as_actor(client, world, key, fmt, actor, django_capture_on_commit_callbacks):
    # given
    spec = next(s for s in export_specs() if s.key == key)
    expected = EXPECTED[key][ACTORS.index(actor)]
    if actor != "anonymous":
        client.force_login(world[actor].user)
    jobs_before = JobRun.objects.filter(kind="export.file").count()

    # when (the job's task runs in process once the request's transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse(spec.page), {"export": fmt, "period": "all"})

    # then
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == OK and fmt == "pdf":
        assert response.status_code == 303
        job = JobRun.objects.filter(kind="export.file").latest("pk")
        assert response["Location"] == reverse("revops:export-status", args=[job.pk])
        assert job.started_by_id == world[actor].user_id
        assert job.status == JobRun.Status.SUCCEEDED  # eager in tests
        download = client.get(reverse("revops:export-download", args=[job.pk]))
        assert download.status_code == 200
        assert b"".join(download.streaming_content).startswith(b"%PDF")
    elif expected == OK:
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith(f'.{fmt}"')
        body = response.content
        if fmt == "csv":
            _assert_scoped(key, actor, body.decode("utf-8-sig"))
    else:
        assert response.status_code == expected
        assert JobRun.objects.filter(kind="export.file").count() == jobs_before


def _assert_scoped(key: str, actor: str, text: str) -> None:
    if key != "opportunities":
        return
    names = {row[1] for row in csv.reader(io.StringIO(text))}
    if actor == "rep":
        assert "SENTINEL-OWN-DEAL" in names
        assert "SENTINEL-OTHER-REP" not in names
    if actor == "outsider":
        assert names & {"SENTINEL-OWN-DEAL", "SENTINEL-OTHER-REP", "SENTINEL-GLOBEX"} == {"SENTINEL-GLOBEX"}
    if actor in ("admin", "manager", "finance"):
        assert "SENTINEL-GLOBEX" not in names
