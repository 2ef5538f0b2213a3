"""Imports in the admin: django-import-export for reference data, and the import profiles.

django-import-export pages are scoped to the request's organization and never show a Python
traceback (which names server paths): errors are shown as their messages. Import profiles
(how a source's files look) are edited here; their JSON is parsed and checked on save.
"""

from __future__ import annotations

import os

import structlog
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ExportMixin, ImportExportMixin

from revops.admin.base import OrganizationScopedAdmin, request_organization
from revops.models import ImportProfile

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


@admin.register(ImportProfile)
class ImportProfileAdmin(OrganizationScopedAdmin):
    """An organization's import profiles; the spec is checked against `ProfileSpec` on save."""

    list_display = ("name", "kind", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "kind")
    ordering = ("kind", "name")
