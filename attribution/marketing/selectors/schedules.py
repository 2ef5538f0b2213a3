"""Configuration schedules for the pages and API: each with its last run and the day it is next due.

The last run of a schedule is the latest run of any version of its configuration (scheduled,
started now or clicked on the runs page): one subquery, then one query for those runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.http.request import QueryDict

from attribution.marketing.filters import ConfigScheduleFilterSet
from attribution.marketing.models import AttributionRun, ConfigSchedule, ModelConfig
from revops.models import Organization


@dataclass(frozen=True)
class ScheduleRow:
    schedule: ConfigSchedule
    last_run: AttributionRun | None
    next_due_on: dt.date | None


def with_last_run(queryset: QuerySet[ConfigSchedule]) -> QuerySet[ConfigSchedule]:
    """`queryset` annotated with the id and status of each schedule's configuration's last run."""
    last_run = AttributionRun.objects.filter(
        organization=OuterRef("organization"), config__name=OuterRef("config_name")
    ).order_by("-created_at", "-id")
    return queryset.annotate(
        last_run_id=Subquery(last_run.values("pk")[:1]),
        last_run_status=Subquery(last_run.values("status")[:1]),
    ).order_by("config_name", "pk")


def schedule_queryset(*, organization: Organization) -> QuerySet[ConfigSchedule]:
    """The organization's schedules, each annotated with its configuration's last run."""
    return with_last_run(ConfigSchedule.objects.filter(organization=organization))


def schedule_list(
    *, organization: Organization, filters: QueryDict | dict | None = None
) -> tuple[ConfigScheduleFilterSet, QuerySet[ConfigSchedule]]:
    """The schedules the FilterSet keeps (an invalid filter keeps none)."""
    base = schedule_queryset(organization=organization)
    filterset = ConfigScheduleFilterSet(filters or {}, queryset=base)
    return filterset, (filterset.qs if filterset.is_valid() else base.none())


def schedule_rows(
    *, schedules: QuerySet[ConfigSchedule] | list[ConfigSchedule], today: dt.date
) -> list[ScheduleRow]:
    """Each schedule with its last run (one query for all) and its next due day."""
    schedules = list(schedules)
    runs = AttributionRun.objects.select_related("config", "job").in_bulk(
        [s.last_run_id for s in schedules if getattr(s, "last_run_id", None)]  # type: ignore[attr-defined]
    )
    return [
        ScheduleRow(
            schedule=s,
            last_run=runs.get(getattr(s, "last_run_id", None) or 0),
            next_due_on=s.next_due_on(today),
        )
        for s in schedules
    ]


def schedule_get(*, organization: Organization, pk: int | str) -> ConfigSchedule:
    """One of the organization's schedules; 404 for any other."""
    try:
        return schedule_queryset(organization=organization).get(pk=int(pk))
    except (ConfigSchedule.DoesNotExist, ValueError):
        raise Http404 from None


def schedulable_config_names(*, organization: Organization) -> list[str]:
    """Names of the organization's current configurations (a schedule follows the name)."""
    return list(
        ModelConfig.objects.filter(organization=organization, is_current=True)
        .order_by("name")
        .values_list("name", flat=True)
    )
