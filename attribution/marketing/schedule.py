"""Marketing's beat entry: the nightly start of scheduled attribution runs."""

from revops.celery import Queue
from revops.schedule import PeriodicEntry, register


def register_schedule() -> None:
    register(
        PeriodicEntry(
            name="marketing: scheduled runs",
            task="attribution.marketing.tasks.start_scheduled_runs_task",
            # https://crontab.guru/#45_3_*_*_* — "At 03:45 every day" (UTC), after the night's scores.
            crontab={
                "minute": "45",
                "hour": "3",
                "day_of_week": "*",
                "day_of_month": "*",
                "month_of_year": "*",
            },
            expire_seconds=6 * 3600,
            queue=Queue.BULK.value,
            description="Queue a run of every marketing model configuration whose schedule is due.",
        )
    )
