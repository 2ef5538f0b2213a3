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


def test_dry_run_writes_nothing(capsys):
    call_command("setup_periodic_tasks", "--dry-run")
    assert PeriodicTask.objects.count() == 0
    assert "dry run: nothing written" in capsys.readouterr().out


def test_changed_entry_is_updated():
    periodic_tasks_sync()
    PeriodicTask.objects.filter(name=SCHEDULE[0].name).update(expire_seconds=1)
    result = dict(periodic_tasks_sync())
    assert result[SCHEDULE[0].name] == "updated"
    assert PeriodicTask.objects.get(name=SCHEDULE[0].name).expire_seconds == SCHEDULE[0].expire_seconds
