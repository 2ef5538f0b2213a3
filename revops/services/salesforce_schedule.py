"""One beat entry per Salesforce connection: its incremental sync, daily or hourly.

The entry is kept in step with the connection whenever the admin saves it: created or updated
while the connection is enabled, disabled when it is not, deleted with the connection.
"""

from __future__ import annotations

import json

from django.db import transaction

from revops.models.salesforce import SalesforceConnection

SCHEDULED_TASK = "revops.tasks.salesforce_sync_scheduled_task"


def schedule_name(connection: SalesforceConnection) -> str:
    return f"revops: salesforce sync #{connection.pk}"


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
    return name


def salesforce_schedule_remove(*, connection: SalesforceConnection) -> None:
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.filter(name=schedule_name(connection)).delete()
