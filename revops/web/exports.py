"""Exports from table pages: the file at once when small, else a job with a progress page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse

from revops.export_registry import ExportData, export_spec
from revops.exports import attachment_response
from revops.htmx import render_page_or_partial
from revops.models import JobRun
from revops.permissions import Cap, has_cap
from revops.services.exports import (
    CONTENT_TYPES,
    EXPORT_KIND,
    export_enqueue,
    export_file_bytes,
    export_file_open,
)
from revops.tenancy import MemberRequest

POLL_SECONDS = 1


def export_dispatch(request: MemberRequest, key: str, **url_kwargs: int | str) -> HttpResponse | None:
    """Answer `?export=<fmt>` on a page with export `key`; None when no export was asked for.

    Refused (403) without the export and the page's capabilities; an unknown format is a 404.
    A record page passes its URL arguments (`pk=...`), as its export declares them.
    """
    fmt = request.GET.get("export")
    if not fmt:
        return None
    spec = export_spec(key)
    if sorted(url_kwargs) != sorted(spec.url_kwargs):
        raise TypeError(f"export {key!r} takes the URL arguments {spec.url_kwargs}, got {sorted(url_kwargs)}")
    if fmt not in spec.formats:
        raise Http404
    membership = request.membership
    if not (has_cap(membership, Cap.EXPORT) and has_cap(membership, spec.cap)):
        raise PermissionDenied
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("page", None)
    data: ExportData = spec.build(membership=membership, params=query, **url_kwargs)
    rows = data.row_count
    if fmt == "pdf" or rows is None or rows > spec.inline_rows:
        job = export_enqueue(
            membership=membership,
            key=key,
            fmt=fmt,
            query=query.urlencode(),
            url_kwargs=url_kwargs,
            actor=request.user,
        )
        return HttpResponseRedirect(reverse("revops:export-status", args=[job.pk]), status=303)
    content, content_type = export_file_bytes(
        data=data, fmt=fmt, organization_name=membership.organization.name
    )
    return attachment_response(content, filename=f"{data.filename}.{fmt}", content_type=content_type)


def _own_export(request: MemberRequest, pk: int) -> JobRun:
    """An export job of this organization that this user started; 404 for anyone else's."""
    if getattr(request, "membership", None) is None or not has_cap(request.membership, Cap.EXPORT):
        raise PermissionDenied
    return get_object_or_404(
        JobRun.objects.filter(
            organization=request.organization, kind=EXPORT_KIND, started_by=request.user.pk
        ),
        pk=pk,
    )


def export_status_view(request: MemberRequest, pk: int) -> HttpResponse:
    """The export's progress bar (polling itself) and, once written, the download button."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    job = _own_export(request, pk)
    spec = export_spec(job.params["export"])
    context = {
        "job": job,
        "spec": spec,
        "page_url": reverse(spec.page, kwargs=job.params.get("url_kwargs") or {}),
        "fmt": job.params["format"],
        "poll_seconds": POLL_SECONDS,
    }
    return render_page_or_partial(
        request, "revops/export_status.html", "revops/partials/export_status.html", context
    )


export_status_view.required_cap = Cap.EXPORT  # type: ignore[attr-defined]


def export_download_view(request: MemberRequest, pk: int) -> HttpResponse | FileResponse:
    """The written file, for the user who asked for it."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(f"{reverse('account_login')}?next={request.get_full_path()}")
    job = _own_export(request, pk)
    if job.status != JobRun.Status.SUCCEEDED or "file" not in (job.counts or {}):
        raise Http404
    fmt = job.params["format"]
    return FileResponse(
        export_file_open(job=job),
        as_attachment=True,
        filename=job.counts["filename"],
        content_type=CONTENT_TYPES[fmt],
    )


export_download_view.required_cap = Cap.EXPORT  # type: ignore[attr-defined]
