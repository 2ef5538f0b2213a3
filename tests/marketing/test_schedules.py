"""Scheduled runs: a configuration by name, its current version, claimed once per due day."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from attribution.marketing.models import AttributionRun, ConfigSchedule, Frequency
from attribution.marketing.services.configs import model_config_save
from attribution.marketing.services.schedules import (
    config_schedule_set,
    schedule_is_due,
    scheduled_runs_start,
)
from attribution.marketing.tasks import start_scheduled_runs_task
from revops.models import AuditEvent, JobRun
from revops.schedule import SCHEDULE

pytestmark = pytest.mark.django_db

NIGHT = dt.datetime(2026, 3, 4, 3, 45, tzinfo=dt.UTC)  # a Wednesday


def test_schedule_needs_an_existing_configuration(org, admin):
    with pytest.raises(ValidationError, match="No model configuration named 'nope'"):
        config_schedule_set(organization=org, actor=admin.user, config_name="nope")
    assert not ConfigSchedule.objects.exists()


def test_due_schedules_start_the_current_version_once(org, admin, django_capture_on_commit_callbacks):
    model_config_save(organization=org, actor=admin.user, name="weekly markov", model="linear")
    current = model_config_save(organization=org, actor=admin.user, name="weekly markov", model="first")
    schedule = config_schedule_set(
        organization=org,
        actor=admin.user,
        config_name="weekly markov",
        frequency=Frequency.WEEKLY,
        window_days=90,
    )
    assert AuditEvent.objects.filter(action="marketing.schedule.set").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        started = scheduled_runs_start(now=NIGHT)
        again = scheduled_runs_start(now=NIGHT)
    assert again == []
    (run,) = started
    run.refresh_from_db()
    assert (run.config_id, run.window_start, run.window_end) == (
        current.pk,
        dt.date(2025, 12, 4),
        dt.date(2026, 3, 3),
    )
    assert run.job.kind == "marketing.run" and run.job.status == JobRun.Status.SUCCEEDED
    schedule.refresh_from_db()
    assert schedule.last_run_on == dt.date(2026, 3, 4)
    # six days later nothing is due, seven days later the next run starts
    assert scheduled_runs_start(now=NIGHT + dt.timedelta(days=6)) == []
    assert len(scheduled_runs_start(now=NIGHT + dt.timedelta(days=7))) == 1
    assert AttributionRun.objects.count() == 2


def test_disabled_schedule_starts_nothing(org, admin):
    model_config_save(organization=org, actor=admin.user, name="x", model="linear")
    config_schedule_set(organization=org, actor=admin.user, config_name="x", enabled=False)
    assert scheduled_runs_start(now=NIGHT) == []
    assert not AttributionRun.objects.exists()


@pytest.mark.parametrize(
    ("frequency", "last", "today", "due"),
    [
        (Frequency.DAILY, None, dt.date(2026, 3, 4), True),
        (Frequency.DAILY, dt.date(2026, 3, 4), dt.date(2026, 3, 4), False),
        (Frequency.DAILY, dt.date(2026, 3, 3), dt.date(2026, 3, 4), True),
        (Frequency.WEEKLY, dt.date(2026, 2, 26), dt.date(2026, 3, 4), False),
        (Frequency.WEEKLY, dt.date(2026, 2, 25), dt.date(2026, 3, 4), True),
        (Frequency.MONTHLY, dt.date(2026, 3, 1), dt.date(2026, 3, 31), False),
        (Frequency.MONTHLY, dt.date(2026, 2, 28), dt.date(2026, 3, 1), True),
    ],
)
def test_when_a_schedule_is_due(frequency, last, today, due):
    schedule = ConfigSchedule(frequency=frequency, last_run_on=last, enabled=True)
    assert schedule_is_due(schedule, today) is due


def test_beat_entry_and_task(org, admin, django_capture_on_commit_callbacks):
    entry = next(e for e in SCHEDULE if e.name == "marketing: scheduled runs")
    assert entry.task == start_scheduled_runs_task.name and entry.expire_seconds > 0
    model_config_save(organization=org, actor=admin.user, name="daily", model="linear")
    config_schedule_set(organization=org, actor=admin.user, config_name="daily", frequency=Frequency.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        assert start_scheduled_runs_task.apply().get() == {"runs": 1}
    assert AttributionRun.objects.filter(config__name="daily").count() == 1
