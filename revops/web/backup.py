"""The organization backup page (admins): start a backup, follow it, download it; restore a file."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from revops.htmx import render_page_or_partial
from revops.models import JobRun
from revops.permissions import Cap, cap_required
from revops.services.backup import (
    BACKUP_KIND,
    CONTENT_TYPES,
    FORMATS,
    RESTORE_KIND,
    backup_enqueue,
    backup_file_open,
    restore_enqueue,
)
from revops.tenancy import MemberRequest

POLL_SECONDS = 1
RECENT = 20


class BackupForm(forms.Form):
    format = forms.ChoiceField(
        choices=[("xlsx", "Excel workbook (.xlsx)"), ("zip", "CSV files in a .zip (large organizations)")]
    )


class RestoreForm(forms.Form):
    file = forms.FileField(help_text="A backup written by revops (.xlsx or .zip).")
    slug = forms.SlugField(max_length=60, label="New organization's short name")
    name = forms.CharField(max_length=200, required=False, label="New organization's name")


def _jobs(request: MemberRequest):
    return JobRun.objects.filter(organization=request.organization, kind__in=(BACKUP_KIND, RESTORE_KIND))


def _page(request: MemberRequest, backup_form: BackupForm, restore_form: RestoreForm, status: int = 200):
    context = {
        "backup_form": backup_form,
        "restore_form": restore_form,
        "jobs": _jobs(request).select_related("started_by")[:RECENT],
    }
    return render(request, "revops/backup.html", context, status=status)


@cap_required(Cap.ORGANIZATION_BACKUP)
def backup_view(request: MemberRequest) -> HttpResponse:
    """GET: the page; POST: queue a backup of this organization and show its progress."""
    form = BackupForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid() or form.cleaned_data["format"] not in FORMATS:
            return _page(request, form, RestoreForm(), status=400)
        job = backup_enqueue(
            organization=request.organization, actor=request.user, fmt=form.cleaned_data["format"]
        )
        return redirect("revops:backup-job", pk=job.pk)
    return _page(request, BackupForm(), RestoreForm())


@require_POST
@cap_required(Cap.ORGANIZATION_BACKUP)
def restore_view(request: MemberRequest) -> HttpResponse:
    """Store the uploaded backup and queue its restore into a new organization."""
    form = RestoreForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = restore_enqueue(
                organization=request.organization,
                actor=request.user,
                content=upload.read(),
                filename=upload.name,
                slug=form.cleaned_data["slug"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("revops:backup-job", pk=job.pk)
    return _page(request, BackupForm(), form, status=400)


@require_safe
@cap_required(Cap.ORGANIZATION_BACKUP)
def backup_job_view(request: MemberRequest, pk: int) -> HttpResponse:
    """A backup's or restore's progress (polling itself), then its download or its result."""
    job = get_object_or_404(_jobs(request), pk=pk)
    context = {"job": job, "poll_seconds": POLL_SECONDS, "is_backup": job.kind == BACKUP_KIND}
    return render_page_or_partial(
        request, "revops/backup_job.html", "revops/partials/backup_job.html", context
    )


@require_safe
@cap_required(Cap.ORGANIZATION_BACKUP)
def backup_download_view(request: MemberRequest, pk: int) -> FileResponse:
    """The written backup file, for the organization's admins."""
    job = get_object_or_404(_jobs(request).filter(kind=BACKUP_KIND), pk=pk)
    if job.status != JobRun.Status.SUCCEEDED or "file" not in (job.counts or {}):
        raise Http404
    return FileResponse(
        backup_file_open(job=job),
        as_attachment=True,
        filename=job.counts["filename"],
        content_type=CONTENT_TYPES[job.params["format"]],
    )
