"""Schedule pages: the list (last run and its status, next due), create and edit with errors per
field, enable/disable, run now (one queued job, nothing computed in the request), and access."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from attribution.marketing.models import AttributionRun, ConfigSchedule, Frequency, ModelConfig, RunStatus
from attribution.marketing.services.configs import model_config_save
from attribution.marketing.services.runs import run_create
from attribution.marketing.services.schedules import config_schedule_set
from revops.models import AuditEvent, JobRun
from revops.selectors.periods import organization_today

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def schedule(org, admin):
    model_config_save(
        organization=org, actor=admin.user, name="weekly linear", model="linear", bootstrap_resamples=0
    )
    model_config_save(
        organization=org, actor=admin.user, name="daily first", model="first", bootstrap_resamples=0
    )
    return config_schedule_set(
        organization=org,
        actor=admin.user,
        config_name="weekly linear",
        frequency=Frequency.WEEKLY,
        window_days=30,
    )


def test_list_shows_last_run_with_status_and_next_due(
    schedule, org, admin, client_for, django_capture_on_commit_callbacks
):
    # given a finished run of the configuration; the weekly schedule last ran three days ago
    cfg = model_config_save(
        organization=org, actor=admin.user, name="weekly linear", model="linear", bootstrap_resamples=0
    )
    today = organization_today(org)
    ConfigSchedule.objects.filter(pk=schedule.pk).update(last_run_on=today - dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = run_create(
            organization=org,
            config=cfg,
            actor=admin.user,
            window_start=dt.date(2026, 1, 1),
            window_end=dt.date(2026, 1, 31),
        )
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    # when
    response = client_for(admin).get(reverse("marketing:schedules"))
    # then
    (row,) = response.context["rows"]
    assert row.last_run == run
    assert row.next_due_on == today + dt.timedelta(days=4)
    text = _text(response)
    assert f"{reverse('marketing:channels')}?run={run.pk}" in text
    assert "Every 7 days" in text and (today + dt.timedelta(days=4)).isoformat() in text
    assert "Run now" in text


def test_list_query_count_does_not_grow_with_schedules(org, admin, client_for, django_assert_max_num_queries):
    for n in range(6):
        model_config_save(organization=org, actor=admin.user, name=f"cfg {n}", model="linear")
        config_schedule_set(organization=org, actor=admin.user, config_name=f"cfg {n}")
    client = client_for(admin)
    client.get(reverse("marketing:schedules"))  # warm the session and menu caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse("marketing:schedules"))
    assert len(response.context["rows"]) == 6


def test_create_writes_the_schedule_and_an_audit_row(schedule, org, manager, client_for):
    response = client_for(manager).post(
        reverse("marketing:schedule-create"),
        {"config_name": "daily first", "frequency": "daily", "window_days": "14", "enabled": "on"},
    )
    assert response.status_code == 302
    created = ConfigSchedule.objects.get(config_name="daily first")
    assert (created.frequency, created.window_days, created.enabled) == ("daily", 14, True)
    assert AuditEvent.objects.filter(action="marketing.schedule.set", object_id=str(created.pk)).count() == 1


@pytest.mark.parametrize(
    ("_case", "data", "errors"),
    [
        (
            "_case_window_zero",
            {"config_name": "daily first", "frequency": "daily", "window_days": "0"},
            {"window_days": ["Ensure this value is greater than or equal to 1."]},
        ),
        (
            "_case_unknown_frequency",
            {"config_name": "daily first", "frequency": "hourly", "window_days": "7"},
            {"frequency": ["Select a valid choice. hourly is not one of the available choices."]},
        ),
        (
            "_case_unknown_config",
            {"config_name": "nope", "frequency": "daily", "window_days": "7"},
            {"config_name": ["Select a valid choice. nope is not one of the available choices."]},
        ),
        (
            "_case_already_scheduled",
            {"config_name": "weekly linear", "frequency": "daily", "window_days": "7"},
            {"config_name": ["'weekly linear' already has a schedule; edit that one."]},
        ),
    ],
)
def test_create_refuses_bad_input_per_field_and_writes_nothing(
    schedule, manager, client_for, _case, data, errors
):
    before = list(ConfigSchedule.objects.values_list("config_name", "frequency", "window_days", "enabled"))
    audits = AuditEvent.objects.count()
    response = client_for(manager).post(reverse("marketing:schedule-create"), data)
    assert response.status_code == 400
    assert response.context["form"].errors == errors
    assert (
        list(ConfigSchedule.objects.values_list("config_name", "frequency", "window_days", "enabled"))
        == before
    )
    assert AuditEvent.objects.count() == audits


def test_edit_changes_frequency_and_window(schedule, manager, client_for):
    response = client_for(manager).post(
        reverse("marketing:schedule-edit", args=[schedule.pk]), {"frequency": "monthly", "window_days": "60"}
    )
    assert response.status_code == 302
    schedule.refresh_from_db()
    # an unticked box disables it
    assert (schedule.frequency, schedule.window_days, schedule.enabled) == ("monthly", 60, False)


def test_edit_refuses_a_window_too_long_and_changes_nothing(schedule, manager, client_for):
    response = client_for(manager).post(
        reverse("marketing:schedule-edit", args=[schedule.pk]),
        {"frequency": "daily", "window_days": "99999", "enabled": "on"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "window_days": ["Ensure this value is less than or equal to 3660."]
    }
    assert "Window (days up to yesterday): Ensure this value" in _text(response)
    schedule.refresh_from_db()
    assert (schedule.frequency, schedule.window_days) == ("weekly", 30)


def test_disable_then_enable(schedule, manager, client_for):
    client = client_for(manager)
    client.post(reverse("marketing:schedule-enable", args=[schedule.pk]), {"enabled": "0"})
    schedule.refresh_from_db()
    assert schedule.enabled is False
    # asking again for the state it is in changes nothing and writes no audit row
    audits = AuditEvent.objects.count()
    client.post(reverse("marketing:schedule-enable", args=[schedule.pk]), {"enabled": "0"})
    assert AuditEvent.objects.count() == audits
    client.post(reverse("marketing:schedule-enable", args=[schedule.pk]), {"enabled": "1"})
    schedule.refresh_from_db()
    assert schedule.enabled is True


def test_run_now_queues_exactly_one_job_and_computes_nothing_in_the_request(
    schedule, org, manager, client_for, django_capture_on_commit_callbacks
):
    # when (the queued task is captured, not run)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(manager).post(reverse("marketing:schedule-run-now", args=[schedule.pk]))
    # then
    assert response.status_code == 302
    assert len(callbacks) == 1
    job = JobRun.objects.get(kind="marketing.run")
    run = AttributionRun.objects.get()
    today = organization_today(org)
    assert (run.status, run.job_id, run.config.name) == (RunStatus.QUEUED, job.pk, "weekly linear")
    assert (run.window_start, run.window_end) == (today - dt.timedelta(days=30), today - dt.timedelta(days=1))
    schedule.refresh_from_db()
    assert schedule.last_run_on == today
    assert AuditEvent.objects.filter(action="marketing.schedule.run_now").count() == 1


def test_run_now_without_a_current_configuration_is_refused(schedule, org, manager, client_for):
    ModelConfig.objects.filter(organization=org, name="weekly linear").update(is_current=False)
    response = client_for(manager).post(
        reverse("marketing:schedule-run-now", args=[schedule.pk]), follow=True
    )
    assert "No model configuration named &#x27;weekly linear&#x27;." in _text(response)
    assert not JobRun.objects.filter(kind="marketing.run").exists()
    schedule.refresh_from_db()
    assert schedule.last_run_on is None


@pytest.mark.parametrize("name", ["marketing:schedule-create", "marketing:schedule-edit"])
def test_finance_and_reps_may_not_manage_schedules(
    schedule, finance_admin, rep, partner_user, client_for, name
):
    args = [schedule.pk] if name == "marketing:schedule-edit" else []
    assert client_for(finance_admin).get(reverse(name, args=args)).status_code == 403
    assert client_for(rep).get(reverse(name, args=args)).status_code == 403
    assert client_for(partner_user).get(reverse(name, args=args)).status_code == 404
    for url in ("marketing:schedule-run-now", "marketing:schedule-enable"):
        assert client_for(finance_admin).post(reverse(url, args=[schedule.pk])).status_code == 403
    assert not JobRun.objects.filter(kind="marketing.run").exists()


def test_finance_reads_the_list_without_manage_buttons(schedule, finance_admin, client_for):
    response = client_for(finance_admin).get(reverse("marketing:schedules"))
    assert response.status_code == 200
    assert "Run now" not in _text(response) and "weekly linear" in _text(response)


def test_another_organizations_schedule_is_404(schedule, other_org_admin, client_for):
    client = client_for(other_org_admin)
    assert client.get(reverse("marketing:schedule-edit", args=[schedule.pk])).status_code == 404
    assert client.post(reverse("marketing:schedule-run-now", args=[schedule.pk])).status_code == 404
    assert client.get(reverse("marketing:schedules")).context["rows"] == []
    assert not JobRun.objects.filter(kind="marketing.run").exists()
