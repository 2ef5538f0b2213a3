"""Marketing API: path sets (figures summed from rows, rows filtered by channel) and schedules
(read for the marketing roles, written through the service by those who may run configurations)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from attribution.marketing.models import ConfigSchedule, PathSet
from attribution.marketing.services.configs import model_config_save
from attribution.marketing.services.schedules import config_schedule_set
from revops.models import AuditEvent, JobRun
from tests.marketing.test_path_import import PATHS, _import

pytestmark = pytest.mark.django_db


def _client(membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    return client


@pytest.fixture
def imported(org, admin, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    assert _import(org, admin, PATHS).status == JobRun.Status.SUCCEEDED
    return PathSet.objects.get(organization=org)


@pytest.fixture
def schedule(org, admin):
    model_config_save(organization=org, actor=admin.user, name="linear", model="linear")
    model_config_save(organization=org, actor=admin.user, name="first", model="first")
    return config_schedule_set(organization=org, actor=admin.user, config_name="linear", window_days=30)


def test_path_sets_list_their_figures_and_rows_filter_by_channel(imported, finance_admin):
    client = _client(finance_admin)
    lines = [line.split(";") for line in PATHS.decode().splitlines()[1:]]
    (listed,) = client.get(reverse("marketing-api:path-set-list")).json()["results"]
    assert (listed["name"], listed["rows"], listed["runs"]) == ("Imported paths", len(lines), 0)
    assert Decimal(listed["conversions"]) == sum(Decimal(r[1]) for r in lines)
    assert Decimal(listed["value"]) == sum(Decimal(r[2]) for r in lines)
    rows = client.get(reverse("marketing-api:path-set-rows", args=[imported.pk]), {"channel": "beta"}).json()
    assert rows["count"] == 2
    assert [(r["path"], r["channels"]) for r in rows["results"]] == [
        ("beta > eta", ["beta", "eta"]),
        ("beta > alpha > iota", ["beta", "alpha", "iota"]),
    ]


def test_path_sets_are_not_for_reps_nor_other_organizations(imported, rep, other_org_admin):
    assert _client(rep).get(reverse("marketing-api:path-set-list")).status_code == 403
    other = _client(other_org_admin)
    assert other.get(reverse("marketing-api:path-set-detail", args=[imported.pk])).status_code == 404
    assert other.get(reverse("marketing-api:path-set-rows", args=[imported.pk])).status_code == 404
    assert other.get(reverse("marketing-api:path-set-list")).json()["results"] == []


def test_schedule_create_and_update_go_through_the_service(schedule, manager):
    client = _client(manager)
    created = client.post(
        reverse("marketing-api:schedule-list"),
        {"config_name": "first", "frequency": "daily", "window_days": 7},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["config_name"], body["frequency"], body["window_days"], body["enabled"]) == (
        "first",
        "daily",
        7,
        True,
    )
    assert body["last_run"] is None
    patched = client.patch(
        reverse("marketing-api:schedule-detail", args=[schedule.pk]), {"enabled": False}, format="json"
    )
    assert patched.status_code == 200
    schedule.refresh_from_db()
    assert (schedule.enabled, schedule.window_days) == (False, 30)
    assert AuditEvent.objects.filter(action="marketing.schedule.set").count() == 3
    listed = client.get(reverse("marketing-api:schedule-list"), {"enabled": "false"}).json()["results"]
    assert [s["config_name"] for s in listed] == ["linear"]


@pytest.mark.parametrize(
    ("_case", "body", "errors"),
    [
        ("_case_window", {"config_name": "first", "window_days": 0}, {"window_days"}),
        ("_case_unknown_config", {"config_name": "nope"}, {"config_name"}),
        ("_case_already_scheduled", {"config_name": "linear"}, {"config_name"}),
    ],
)
def test_schedule_create_refuses_bad_input_by_field_and_writes_nothing(
    schedule, manager, _case, body, errors
):
    audits = AuditEvent.objects.count()
    response = _client(manager).post(reverse("marketing-api:schedule-list"), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == errors
    assert ConfigSchedule.objects.count() == 1 and AuditEvent.objects.count() == audits


def test_schedule_update_cannot_move_it_to_another_configuration(schedule, admin):
    response = _client(admin).patch(
        reverse("marketing-api:schedule-detail", args=[schedule.pk]), {"config_name": "first"}, format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"config_name"}
    schedule.refresh_from_db()
    assert schedule.config_name == "linear"


def test_finance_reads_schedules_but_may_not_write_them(schedule, finance_admin):
    client = _client(finance_admin)
    assert (
        client.get(reverse("marketing-api:schedule-detail", args=[schedule.pk])).json()["window_days"] == 30
    )
    response = client.patch(
        reverse("marketing-api:schedule-detail", args=[schedule.pk]), {"window_days": 9}, format="json"
    )
    assert response.status_code == 403
    schedule.refresh_from_db()
    assert schedule.window_days == 30
