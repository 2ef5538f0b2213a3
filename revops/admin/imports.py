"""django-import-export in the admin, scoped to the request's organization."""

from __future__ import annotations

from import_export.admin import ExportMixin, ImportExportMixin

from revops.admin.base import request_organization


class ScopedResourceKwargsMixin:
    """Hand the request's organization to the resource; the file never chooses it."""

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"organization": request_organization(request)}


class ScopedImportExportMixin(ScopedResourceKwargsMixin, ImportExportMixin):
    """Import and export reference data; importing needs an organization to import into."""

    def has_import_permission(self, request):
        return request_organization(request) is not None and self.has_add_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)


class ScopedExportMixin(ScopedResourceKwargsMixin, ExportMixin):
    """Export only (rows with money or status are never imported through the admin)."""

    def has_export_permission(self, request):
        return self.has_view_permission(request)
