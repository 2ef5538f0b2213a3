"""Forecasting's beat entries: nightly scoring and the weekly forecast snapshot."""

from revops.celery import Queue
from revops.schedule import PeriodicEntry, register


def register_schedule() -> None:
    register(
        PeriodicEntry(
            name="forecasting: nightly scoring",
            task="forecasting.tasks.nightly_scoring_task",
            # https://crontab.guru/#30_2_*_*_* — "At 02:30 every day" (UTC).
            crontab={
                "minute": "30",
                "hour": "2",
                "day_of_week": "*",
                "day_of_month": "*",
                "month_of_year": "*",
            },
            expire_seconds=6 * 3600,
            queue=Queue.BULK.value,
            description="Score every open deal with each organization's active win model.",
        )
    )
    register(
        PeriodicEntry(
            name="forecasting: weekly snapshot",
            task="forecasting.tasks.weekly_snapshot_task",
            # https://crontab.guru/#0_4_*_*_1 — "At 04:00 on Monday" (UTC), after the night's scores.
            crontab={
                "minute": "0",
                "hour": "4",
                "day_of_week": "1",
                "day_of_month": "*",
                "month_of_year": "*",
            },
            expire_seconds=12 * 3600,
            queue=Queue.BULK.value,
            description="Store the Monte Carlo forecast of every organization with a model.",
        )
    )
