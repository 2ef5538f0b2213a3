"""Opportunity import page: upload a CSV, which becomes one background job."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from revops.permissions import Cap, cap_required
from revops.services.imports import COLUMNS, REQUIRED_COLUMNS, opportunity_import_enqueue


class OpportunityImportForm(forms.Form):
    file = forms.FileField(help_text="CSV, UTF-8, with a header row.")


@cap_required(Cap.OPPORTUNITY_IMPORT)
def opportunity_import_view(request: HttpRequest) -> HttpResponse:
    """GET shows the form; POST stores the file, queues the import and goes to the jobs page."""
    form = OpportunityImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job, created = opportunity_import_enqueue(
                organization=request.organization,
                content=form.cleaned_data["file"].read(),
                acting_user=request.user,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if created:
                messages.success(request, f"Import queued as job #{job.pk}.")
            else:
                messages.info(request, f"This file was already imported as job #{job.pk}.")
            return redirect("revops:job-list")
    context = {"form": form, "columns": COLUMNS, "required_columns": REQUIRED_COLUMNS}
    status = 400 if request.method == "POST" else 200
    return render(request, "revops/import_opportunities.html", context, status=status)
