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
