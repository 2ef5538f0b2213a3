"""Beat schedule sync: idempotent, previewable, every entry expires."""

import json

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from revops.schedule import SCHEDULE, periodic_tasks_sync

pytestmark = pytest.mark.django_db


def test_sync_creates_then_reports_unchanged():
    # when
    first = periodic_tasks_sync()
    second = periodic_tasks_sync()
    # then
    assert {state for _, state in first} == {"created"}
    assert {state for _, state in second} == {"unchanged"}
    assert PeriodicTask.objects.count() == len(SCHEDULE)
    for entry in SCHEDULE:
        row = PeriodicTask.objects.get(name=entry.name)
        assert row.task == entry.task
        assert row.expire_seconds == entry.expire_seconds > 0
        assert json.loads(row.kwargs) == entry.kwargs
    core = PeriodicTask.objects.select_related("crontab").get(name="revops: ensure fiscal periods")
    assert (core.task, core.expire_seconds, core.crontab.minute, core.crontab.hour) == (
        "revops.tasks.ensure_fiscal_periods_task",
        21600,
        "15",
        "1",
    )


def test_dry_run_writes_nothing(capsys):
    # when
    call_command("setup_periodic_tasks", "--dry-run")
    # then
    assert PeriodicTask.objects.count() == 0
    assert "dry run: nothing written" in capsys.readouterr().out


def test_changed_entry_is_updated():
    # given
    name = "revops: ensure fiscal periods"
    periodic_tasks_sync()
    PeriodicTask.objects.filter(name=name).update(expire_seconds=1)
    # when
    result = dict(periodic_tasks_sync())
    # then
    assert result[name] == "updated"
    assert {state for other, state in result.items() if other != name} <= {"unchanged"}
    assert PeriodicTask.objects.get(name=name).expire_seconds == 21600
