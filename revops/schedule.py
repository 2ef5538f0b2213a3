"""The beat schedule: every periodic job of revops, in one place.

Entries are synced into django-celery-beat's tables by `manage.py setup_periodic_tasks`
(idempotent: update_or_create by name). Domain apps append their entries with `register`.
Every entry has an expiry, so a backlog after downtime does not run stale work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from revops.celery import Queue


@dataclass(frozen=True)
class PeriodicEntry:
    name: str
    task: str
    crontab: dict[str, str]
    expire_seconds: int
    queue: str = Queue.BULK.value
    description: str = ""
    kwargs: dict = field(default_factory=dict)


SCHEDULE: list[PeriodicEntry] = [
    PeriodicEntry(
        name="revops: ensure fiscal periods",
        task="revops.tasks.ensure_fiscal_periods_task",
        # https://crontab.guru/#15_1_*_*_* — "At 01:15 every day" (UTC).
        crontab={"minute": "15", "hour": "1", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
        expire_seconds=6 * 3600,
        description="Create the monthly fiscal periods of every organization 12 months ahead.",
    ),
    PeriodicEntry(
        name="revops: send due reports",
        task="revops.tasks.send_due_reports_task",
        # https://crontab.guru/#5_*_*_*_* — "At minute 5 past every hour": schedules are due at
        # 06:00 in each organization's time zone, so every hour has some organization's morning.
        crontab={"minute": "5", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"},
        expire_seconds=3600,
        description="Queue the e-mailed report of every report schedule that is due.",
    ),
]


def register(entry: PeriodicEntry) -> None:
    """Add a domain app's periodic entry (call from its AppConfig.ready)."""
    if all(e.name != entry.name for e in SCHEDULE):
        SCHEDULE.append(entry)


@transaction.atomic
def periodic_tasks_sync(*, dry_run: bool = False) -> list[tuple[str, str]]:
    """Create or update the beat rows for SCHEDULE; returns (name, 'created'|'updated'|'unchanged')."""
    import json

    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    results = []
    for entry in SCHEDULE:
        existing = PeriodicTask.objects.filter(name=entry.name).select_related("crontab").first()
        wanted_kwargs = json.dumps(entry.kwargs, sort_keys=True)
        if existing is None:
            state = "created"
        else:
            same = (
                existing.task == entry.task
                and existing.crontab is not None
                and all(getattr(existing.crontab, k) == v for k, v in entry.crontab.items())
                and existing.expire_seconds == entry.expire_seconds
                and existing.queue == entry.queue
                and existing.kwargs == wanted_kwargs
            )
            state = "unchanged" if same else "updated"
        results.append((entry.name, state))
        if dry_run or state == "unchanged":
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(**entry.crontab, timezone="UTC")
        PeriodicTask.objects.update_or_create(
            name=entry.name,
            defaults={
                "task": entry.task,
                "crontab": crontab,
                "interval": None,
                "expire_seconds": entry.expire_seconds,
                "queue": entry.queue,
                "kwargs": wanted_kwargs,
                "description": entry.description,
                "enabled": True,
            },
        )
    return results
