"""Beat entries per Salesforce connection: its incremental sync, daily or hourly, and (when
push-back is scheduled) its daily push-back of attribution results.

The entry is kept in step with the connection whenever the admin saves it: created or updated
while the connection is enabled, disabled when it is not, deleted with the connection.
"""

from __future__ import annotations

import json

from django.db import transaction

from revops.models.salesforce import SalesforceConnection

SCHEDULED_TASK = "revops.tasks.salesforce_sync_scheduled_task"
PUSHBACK_TASK = "revops.tasks.salesforce_pushback_scheduled_task"
# The push-back's hour when the connection syncs hourly (UTC): after the night's postings.
PUSHBACK_DEFAULT_HOUR = 2


def schedule_name(connection: SalesforceConnection) -> str:
    return f"revops: salesforce sync #{connection.pk}"


def pushback_schedule_name(connection: SalesforceConnection) -> str:
    return f"revops: salesforce push-back #{connection.pk}"


@transaction.atomic
def salesforce_schedule_sync(*, connection: SalesforceConnection) -> str:
    """Create, update or disable the connection's beat entry; returns its name."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    hour = "*" if connection.schedule_hour is None else str(connection.schedule_hour)
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(connection.schedule_minute),
        hour=hour,
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    name = schedule_name(connection)
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={
            "task": SCHEDULED_TASK,
            "crontab": crontab,
            "interval": None,
            "kwargs": json.dumps({"connection_id": connection.pk}),
            # A run still waiting after an hour is superseded by the next one.
            "expire_seconds": 3600,
            "queue": "bulk",
            "description": f"Incremental Salesforce sync of {connection.organization} ({connection.name}).",
            "enabled": connection.enabled,
        },
    )
    _schedule_pushback(connection)
    return name


def _schedule_pushback(connection: SalesforceConnection) -> None:
    """The daily push-back entry: written once push-back is scheduled, then kept in step."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    name = pushback_schedule_name(connection)
    wanted = connection.enabled and connection.pushback_scheduled and bool(connection.pushback_object)
    if not wanted:
        PeriodicTask.objects.filter(name=name).update(enabled=False)
        return
    hour = PUSHBACK_DEFAULT_HOUR if connection.schedule_hour is None else connection.schedule_hour
    # minute M of hour H every day, UTC (crontab.guru: "M H * * *")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(connection.schedule_minute),
        hour=str(hour),
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={
            "task": PUSHBACK_TASK,
            "crontab": crontab,
            "interval": None,
            "kwargs": json.dumps({"connection_id": connection.pk}),
            # A push-back still waiting after an hour is superseded by the next day's.
            "expire_seconds": 3600,
            "queue": "bulk",
            "description": f"Attribution push-back to Salesforce of {connection.organization} ({connection.name}).",
            "enabled": True,
        },
    )


def salesforce_schedule_remove(*, connection: SalesforceConnection) -> None:
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.filter(
        name__in=[schedule_name(connection), pushback_schedule_name(connection)]
    ).delete()
