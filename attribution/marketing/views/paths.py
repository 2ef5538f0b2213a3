"""Path set pages: the list, one set's rows and runs, upload (core import: preview, confirm), delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from attribution.marketing.forms import PathSetUploadForm
from attribution.marketing.models import PathSet
from attribution.marketing.permissions import MarketingCap
from attribution.marketing.selectors.paths import (
    clean_row_sort,
    path_row_list,
    path_set_get,
    path_set_list,
    path_set_runs,
    path_set_totals,
)
from attribution.marketing.services.path_import import PATH_IMPORT
from attribution.marketing.services.paths import path_set_delete
from revops.exceptions import ApplicationError
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required, has_cap
from revops.services.imports import Mode, import_profile_spec, import_submit
from revops.tables import Column
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch

ROWS_PAGE_SIZE = 50
RUNS_SHOWN = 50
ERROR_NAME_TAKEN = "A path set named {name!r} already exists; choose another name."


def _row_columns() -> list[Column]:
    return [
        Column("Path", sort="path"),
        Column("Steps", num=True),
        Column("Conversions", sort="conversions", num=True),
        Column("Value", sort="value", num=True),
        Column("Non-conversions", sort="nulls", num=True),
    ]


@require_safe
@cap_required(MarketingCap.VIEW)
def path_set_list_view(request: MemberRequest) -> HttpResponse:
    exported = export_dispatch(request, "marketing-path-sets")
    if exported is not None:
        return exported
    membership = request.membership
    context = {
        "path_sets": path_set_list(organization=membership.organization),
        "can_import": has_cap(membership, MarketingCap.IMPORT),
    }
    return render(request, "marketing/path_sets.html", context)


@require_safe
@cap_required(MarketingCap.VIEW)
def path_set_detail_view(request: MemberRequest, pk: int) -> HttpResponse:
    membership = request.membership
    path_set = path_set_get(organization=membership.organization, pk=pk)
    exported = export_dispatch(request, "marketing-path-set", pk=path_set.pk)
    if exported is not None:
        return exported
    sort = clean_row_sort(request.GET.get("sort"))
    filterset, rows = path_row_list(path_set=path_set, filters=request.GET, sort=sort)
    context = {
        "path_set": path_set,
        "totals": path_set_totals(path_set=path_set),
        "filterset": filterset,
        "filter_values": filterset.form.data,
        "page_obj": Paginator(rows, ROWS_PAGE_SIZE).get_page(request.GET.get("page")),
        "sort": sort,
        "columns": _row_columns(),
        "runs": path_set_runs(path_set=path_set)[:RUNS_SHOWN],
        "can_run": has_cap(membership, MarketingCap.RUN),
        "can_delete": has_cap(membership, MarketingCap.IMPORT),
    }
    return render_page_or_partial(
        request, "marketing/path_set.html", "marketing/partials/path_row_table.html", context
    )


@require_http_methods(["GET", "HEAD", "POST"])
@cap_required(MarketingCap.IMPORT)
def path_set_upload_view(request: MemberRequest) -> HttpResponse:
    """GET shows the form; POST stores the file as a preview job of the core import and shows it.

    The set's name becomes the import's `path_set` constant, so every row of the file lands in
    the new set; the preview page names each bad row and field, and confirming writes all or
    nothing (as a job with progress).
    """
    organization = request.membership.organization
    form = PathSetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["name"]
        upload = form.cleaned_data["file"]
        if PathSet.objects.filter(organization=organization, name=name).exists():
            form.add_error("name", ERROR_NAME_TAKEN.format(name=name))
        else:
            spec = import_profile_spec(organization=organization, kind=PATH_IMPORT, filename=upload.name)
            spec = spec.model_copy(update={"constants": {**spec.constants, "path_set": name}})
            try:
                job, queued = import_submit(
                    organization=organization,
                    actor=request.user,
                    kind_name=PATH_IMPORT.name,
                    content=upload.read(),
                    filename=upload.name,
                    spec=spec,
                    mode=Mode.PREVIEW,
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                if not queued:
                    messages.info(request, f"This file was already uploaded as job #{job.pk}.")
                return redirect("revops:import-job", pk=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "marketing/path_set_upload.html", {"form": form, "kind": PATH_IMPORT}, status=status
    )


@require_POST
@cap_required(MarketingCap.IMPORT)
def path_set_delete_view(request: MemberRequest, pk: int) -> HttpResponse:
    organization = request.membership.organization
    path_set = path_set_get(organization=organization, pk=pk)
    try:
        rows = path_set_delete(organization=organization, actor=request.user, path_set=path_set)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("marketing:path-set", pk=path_set.pk)
    messages.success(request, f"Path set {path_set.name!r} and its {rows} rows were deleted.")
    return redirect("marketing:path-sets")
