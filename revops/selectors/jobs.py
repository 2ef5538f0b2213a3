"""JobRun reads: the organization's runs and one run's progress."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from revops.models import JobRun, Organization


def job_list(*, organization: Organization) -> QuerySet:
    return JobRun.objects.filter(organization=organization).select_related("started_by")


def job_get(*, organization: Organization, pk: int) -> JobRun:
    """One run of the organization, else 404."""
    return get_object_or_404(job_list(organization=organization), pk=pk)


JOB_EXPORT_HEADERS = [
    "Id",
    "Kind",
    "Status",
    "Progress",
    "Started by",
    "Created",
    "Started",
    "Finished",
    "Error",
]


def job_export_rows(qs: QuerySet):
    """Rows for the CSV/Excel export of the job list (times in UTC)."""
    for job in qs.iterator(chunk_size=1000):
        yield [
            job.pk,
            job.kind,
            job.get_status_display(),
            job.progress,
            job.started_by.email if job.started_by else "",
            job.created_at,
            job.started_at,
            job.finished_at,
            job.error,
        ]
