"""Scheduled runs: a model configuration (by name, so every new version) run daily, every 7
days or once a calendar month over the last `window_days` up to yesterday, each run a JobRun.

The beat entry "marketing: scheduled runs" calls `scheduled_runs_start` every night; a
schedule is claimed with a conditional update of `last_run_on`, so the task running twice
(or on two workers) starts one run per schedule and day.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from attribution.marketing.models import AttributionRun, ConfigSchedule, Frequency, ModelConfig
from attribution.marketing.services.runs import run_create
from revops.exceptions import ApplicationError
from revops.models import JobRun, Organization
from revops.selectors.periods import organization_today
from revops.services.audit import audit_record

ERROR_NO_CONFIG = "No model configuration named {name!r}."
ERROR_NOT_FOUND = "No such schedule in this organization."
SCHEDULE_FIELDS = ("frequency", "window_days", "enabled")


@transaction.atomic
def config_schedule_set(
    *,
    organization: Organization,
    actor,
    config_name: str,
    frequency: str = Frequency.WEEKLY,
    window_days: int = 365,
    enabled: bool = True,
) -> ConfigSchedule:
    """Schedule the configuration ``config_name`` (or change its schedule); saving twice is a no-op."""
    if not ModelConfig.objects.filter(organization=organization, name=config_name, is_current=True).exists():
        raise ValidationError({"config_name": ERROR_NO_CONFIG.format(name=config_name)})
    values = {"frequency": frequency, "window_days": window_days, "enabled": enabled}
    schedule = (
        ConfigSchedule.objects.select_for_update()
        .filter(organization=organization, config_name=config_name)
        .first()
    )
    before = {f: getattr(schedule, f) for f in SCHEDULE_FIELDS} if schedule else {}
    if schedule is not None and before == values:
        return schedule
    if schedule is None:
        schedule = ConfigSchedule(
            organization=organization,
            config_name=config_name,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    for name, value in values.items():
        setattr(schedule, name, value)
    schedule.full_clean()
    schedule.save()
    audit_record(
        organization=organization,
        actor=actor,
        action="marketing.schedule.set",
        obj=schedule,
        before=before,
        after=values,
    )
    return schedule


def schedule_is_due(schedule: ConfigSchedule, today: dt.date) -> bool:
    return schedule.next_due_on(today) == today


def _schedule_run_create(
    schedule: ConfigSchedule, *, today: dt.date, actor
) -> tuple[AttributionRun, JobRun] | None:
    """Queue the schedule's run: the current version over `window_days` up to yesterday."""
    config = ModelConfig.objects.filter(
        organization=schedule.organization, name=schedule.config_name, is_current=True
    ).first()
    if config is None:
        return None
    yesterday = today - dt.timedelta(days=1)
    return run_create(
        organization=schedule.organization,
        config=config,
        actor=actor,
        window_start=yesterday - dt.timedelta(days=schedule.window_days - 1),
        window_end=yesterday,
    )


def scheduled_runs_start(*, now: dt.datetime | None = None) -> list[AttributionRun]:
    """Queue a run for every due schedule of every organization (each claimed once per day)."""
    started = []
    for schedule in ConfigSchedule.objects.filter(enabled=True).select_related("organization"):
        today = organization_today(schedule.organization, now)
        if not schedule_is_due(schedule, today):
            continue
        with transaction.atomic():
            claimed = ConfigSchedule.objects.filter(pk=schedule.pk, last_run_on=schedule.last_run_on).update(
                last_run_on=today
            )
            if claimed != 1:
                continue  # another worker took it
            created = _schedule_run_create(schedule, today=today, actor=None)
            if created is not None:
                started.append(created[0])
    return started


@transaction.atomic
def config_schedule_run_now(
    *, organization: Organization, actor, schedule: ConfigSchedule, now: dt.datetime | None = None
) -> tuple[AttributionRun, JobRun]:
    """Queue the schedule's run today, as the nightly start would (a JobRun, computed by a worker).

    The schedule counts it as today's run, so the nightly start does not queue a second one.
    """
    if schedule.organization_id != organization.pk:
        raise ApplicationError(ERROR_NOT_FOUND)
    locked = ConfigSchedule.objects.select_for_update().get(pk=schedule.pk)
    today = organization_today(organization, now)
    created = _schedule_run_create(locked, today=today, actor=actor)
    if created is None:
        raise ApplicationError(ERROR_NO_CONFIG.format(name=locked.config_name))
    before = {"last_run_on": locked.last_run_on.isoformat() if locked.last_run_on else None}
    ConfigSchedule.objects.filter(pk=locked.pk).update(last_run_on=today)
    run, job = created
    audit_record(
        organization=organization,
        actor=actor,
        action="marketing.schedule.run_now",
        obj=locked,
        before=before,
        after={"last_run_on": today.isoformat(), "run": run.pk},
    )
    return run, job
