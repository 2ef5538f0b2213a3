"""Background job pages: the organization's runs and a live progress fragment per run."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse

from revops.htmx import render_page_or_partial
from revops.permissions import Cap, cap_required
from revops.selectors.jobs import job_get, job_list
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch

PAGE_SIZE = 50
POLL_SECONDS = 1


@cap_required(Cap.JOB_VIEW)
def job_list_view(request: MemberRequest) -> HttpResponse:
    jobs = job_list(organization=request.organization)
    exported = export_dispatch(request, "jobs")
    if exported is not None:
        return exported
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "poll_seconds": POLL_SECONDS,
    }
    return render_page_or_partial(request, "revops/job_list.html", "revops/partials/job_table.html", context)


@cap_required(Cap.JOB_VIEW)
def job_progress_view(request: MemberRequest, pk: int) -> HttpResponse:
    """The run's progress; while it is queued or running the fragment polls itself."""
    job = job_get(organization=request.organization, pk=pk)
    context = {"job": job, "poll_seconds": POLL_SECONDS}
    return render_page_or_partial(request, "revops/job_detail.html", "components/job_progress.html", context)
