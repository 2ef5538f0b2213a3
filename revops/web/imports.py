"""Import pages: upload a file → preview (row errors, counts, totals) → confirm → job progress."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from revops.exceptions import ApplicationError
from revops.exports import attachment_response
from revops.htmx import render_page_or_partial
from revops.imports.kinds import ImportKind, import_kind_get, import_kind_list
from revops.imports.templates import (
    CSV_TYPE,
    XLSX_TYPE,
    template_columns,
    template_csv,
    template_filename,
    template_xlsx,
)
from revops.models import ImportProfile
from revops.permissions import Cap, cap_required, has_cap
from revops.selectors.jobs import job_get
from revops.services.imports import Mode, import_confirm, import_submit
from revops.tenancy import MemberRequest

POLL_SECONDS = 1
TEMPLATE_FORMATS = ("csv", "xlsx")
# Kinds whose records can also be added one at a time, and the page that does it.
MANUAL_FORMS = {
    "accounts": "revops:account-create",
    "partners": "revops:partner-create",
    "opportunities": "revops:opportunity-create",
}


class ImportUploadForm(forms.Form):
    file = forms.FileField(help_text="CSV, XLSX or PDF, as the chosen profile describes.")
    profile = forms.ChoiceField(required=False, label="Profile")

    def __init__(self, *args, profiles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        profile_field = cast(forms.ChoiceField, self.fields["profile"])
        profile_field.choices = [("", "Built-in (CSV, UTF-8, comma, YYYY-MM-DD)")] + [
            (name, name) for name in profiles
        ]


def _kind_for(request: MemberRequest, name: str) -> ImportKind:
    try:
        kind = import_kind_get(name)
    except LookupError:
        raise Http404 from None
    if not has_cap(request.membership, kind.capability):
        raise PermissionDenied
    return kind


def _import_job(request: MemberRequest, pk: int):
    job = job_get(organization=request.organization, pk=pk)
    if "import_kind" not in job.params:
        raise Http404
    return job, _kind_for(request, job.params["import_kind"])


@cap_required(Cap.JOB_VIEW)
def import_upload_view(request: MemberRequest, kind_name: str = "opportunities") -> HttpResponse:
    """GET shows the form; POST stores the file, queues its preview and shows the preview page."""
    kind = _kind_for(request, kind_name)
    profiles = list(
        ImportProfile.objects.filter(organization=request.organization, kind=kind.name).values_list(
            "name", flat=True
        )
    )
    form = ImportUploadForm(request.POST or None, request.FILES or None, profiles=profiles)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job, queued = import_submit(
                organization=request.organization,
                actor=request.user,
                kind_name=kind.name,
                content=upload.read(),
                filename=upload.name,
                profile=form.cleaned_data["profile"],
                mode=Mode.PREVIEW,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if not queued:
                messages.info(request, f"This file was already uploaded as job #{job.pk}.")
            return redirect("revops:import-job", pk=job.pk)
    context = {
        "form": form,
        "kind": kind,
        "columns": template_columns(kind),
        "manual_url_name": MANUAL_FORMS.get(kind.name, ""),
    }
    return render(
        request, "revops/import_upload.html", context, status=400 if request.method == "POST" else 200
    )


@require_safe
@cap_required(Cap.JOB_VIEW)
def import_job_view(request: MemberRequest, pk: int) -> HttpResponse:
    """The run's progress, then its preview (errors, counts, totals, rows) or its result."""
    job, kind = _import_job(request, pk)
    preview = job.params.get("preview") or {}
    context = {
        "job": job,
        "kind": kind,
        "preview": preview,
        "preview_fields": kind.preview_fields,
        "is_preview": job.params.get("mode") == Mode.PREVIEW,
        "can_confirm": job.params.get("mode") == Mode.PREVIEW
        and job.status == job.Status.SUCCEEDED
        and not preview.get("error_count"),
        "poll_seconds": POLL_SECONDS,
    }
    return render_page_or_partial(
        request, "revops/import_job.html", "revops/partials/import_job_body.html", context
    )


@require_POST
@cap_required(Cap.JOB_VIEW)
def import_confirm_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Write the previewed file (all rows or none) as a new job, and show that job."""
    job, _kind = _import_job(request, pk)
    try:
        applied, queued = import_confirm(job=job, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("revops:import-job", pk=job.pk)
    if not queued:
        messages.info(request, f"This file was already imported as job #{applied.pk}.")
    return redirect("revops:import-job", pk=applied.pk)


@require_safe
@cap_required(Cap.JOB_VIEW)
def import_index_view(request: MemberRequest) -> HttpResponse:
    """Every kind the member may import: its upload page and its templates."""
    kinds = [kind for kind in import_kind_list() if has_cap(request.membership, kind.capability)]
    return render(request, "revops/import_index.html", {"kinds": kinds, "formats": TEMPLATE_FORMATS})


@require_safe
@cap_required(Cap.JOB_VIEW)
def import_template_view(request: MemberRequest, kind_name: str, fmt: str) -> HttpResponse:
    """The kind's template, generated from its schema: header, example row (and About sheet)."""
    kind = _kind_for(request, kind_name)
    if fmt not in TEMPLATE_FORMATS:
        raise Http404
    if fmt == "csv":
        content_type = CSV_TYPE.format(encoding=kind.default_profile.encoding)
        return attachment_response(
            template_csv(kind), filename=template_filename(kind, fmt), content_type=content_type
        )
    return attachment_response(
        template_xlsx(kind), filename=template_filename(kind, fmt), content_type=XLSX_TYPE
    )
