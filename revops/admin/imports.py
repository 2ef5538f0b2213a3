"""Imports in the admin: the import framework's door, exports, and the import profiles.

Accounts, partners, product lines and products are imported in the admin through the one
import framework (`FrameworkImportMixin`): the admin's Import button uploads the file as the
page and the API do and shows the framework's preview, so the same file gives the same
validation, dedupe and audit row at every door. Other reference data (territories, ...) keeps
django-import-export, scoped to the request's organization and without tracebacks. Exports
use django-import-export. Import profiles (how a source's files look) are edited here; their
JSON is parsed and checked on save.
"""

from __future__ import annotations

import os

import structlog
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from import_export.admin import ExportMixin, ImportExportMixin

from revops.admin.base import OrganizationScopedAdmin, request_organization
from revops.imports.kinds import import_kind_get
from revops.imports.templates import template_columns
from revops.models import ImportProfile
from revops.services.imports import Mode, import_submit

logger = structlog.get_logger(__name__)

IMPORT_FAILED = "The import failed ({name}); nothing was imported. Check the file and try again."
IMPORT_FILE_UNKNOWN = (
    "This import is not one you previewed in this session (or it was already confirmed); "
    "nothing was imported. Upload the file again."
)
# The temporary files this session uploaded and may confirm, per model: {"app.model": [name, ...]}.
SESSION_UPLOADS = "revops_admin_import_files"
MAX_PENDING_UPLOADS = 20


class ScopedResourceKwargsMixin:
    """Hand the request's organization to the resource; the file never chooses it."""

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"organization": request_organization(request)}


class ScopedImportExportMixin(ScopedResourceKwargsMixin, ImportExportMixin):
    """Import and export reference data; importing needs an organization to import into."""

    import_template_name = "admin/revops/import.html"

    def has_import_permission(self, request):
        return request_organization(request) is not None and self.has_add_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def create_confirm_form(self, request, import_form=None):
        # The preview names the temporary file it stored; only this session may confirm it.
        form = super().create_confirm_form(request, import_form=import_form)
        name = os.path.basename(form.initial.get("import_file_name") or "") if import_form is not None else ""
        if name:
            uploads = request.session.get(SESSION_UPLOADS, {})
            names = uploads.get(self.model._meta.label, [])
            uploads[self.model._meta.label] = [*names, name][-MAX_PENDING_UPLOADS:]
            request.session[SESSION_UPLOADS] = uploads
        return form

    def process_import(self, request, **kwargs):
        opts = self.model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        # The confirm form names a temporary file: it must be one this session previewed (an
        # admin cannot import, and so delete, a file someone else uploaded), named at all.
        name = os.path.basename(request.POST.get("import_file_name", "") or "")
        uploads = request.session.get(SESSION_UPLOADS, {})
        if request.method != "POST" or not self.has_import_permission(request):
            return super().process_import(request, **kwargs)
        if not name or name not in uploads.get(opts.label, []):
            self.message_user(request, IMPORT_FILE_UNKNOWN, messages.ERROR)
            return HttpResponseRedirect(changelist)
        uploads[opts.label] = [n for n in uploads[opts.label] if n != name]
        request.session[SESSION_UPLOADS] = uploads
        # The confirm step re-reads the stored file and raises instead of collecting errors;
        # report that as a message on the list page, not as a server error.
        try:
            return super().process_import(request, **kwargs)
        except Exception as exc:  # the import ran in one transaction, so nothing was written
            logger.exception("admin_import_failed", model=opts.label)
            self.message_user(request, IMPORT_FAILED.format(name=type(exc).__name__), messages.ERROR)
            return HttpResponseRedirect(changelist)


class ScopedExportMixin(ScopedResourceKwargsMixin, ExportMixin):
    """Export only (rows with money or status are never imported through the admin)."""

    def has_export_permission(self, request):
        return self.has_view_permission(request)


class FrameworkImportForm(forms.Form):
    file = forms.FileField(help_text="CSV in the template's layout, or the Excel template (.xlsx).")
    profile = forms.CharField(required=False, help_text="Name of an import profile (blank: built-in).")


class FrameworkImportMixin(ScopedExportMixin):
    """Export with django-import-export; import through the import framework (`import_kind`)."""

    import_kind = ""
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"

    def has_import_permission(self, request) -> bool:
        return request_organization(request) is not None and self.has_add_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra = {"has_import_permission": self.has_import_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def get_urls(self):
        opts = self.model._meta
        view = self.admin_site.admin_view(self.framework_import_view)
        return [path("import/", view, name=f"{opts.app_label}_{opts.model_name}_import"), *super().get_urls()]

    def framework_import_view(self, request):
        """GET: the form and the columns; POST: store the file, queue its preview, show the preview."""
        organization = request_organization(request)
        if organization is None or not self.has_import_permission(request):
            raise PermissionDenied
        kind = import_kind_get(self.import_kind)
        form = FrameworkImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job, _ = import_submit(
                    organization=organization,
                    actor=request.user,
                    kind_name=kind.name,
                    content=upload.read(),
                    filename=upload.name,
                    profile=form.cleaned_data["profile"],
                    mode=Mode.PREVIEW,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return HttpResponseRedirect(reverse("revops:import-job", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Import {kind.label.lower()}",
            "form": form,
            "kind": kind,
            "columns": template_columns(kind),
        }
        return TemplateResponse(request, "admin/revops/framework_import.html", context)


@admin.register(ImportProfile)
class ImportProfileAdmin(OrganizationScopedAdmin):
    """An organization's import profiles; the spec is checked against `ProfileSpec` on save."""

    list_display = ("name", "kind", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "kind")
    ordering = ("kind", "name")
