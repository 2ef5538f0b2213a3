"""Admin building blocks: organization scoping, capability checks, service-backed saves.

Every organization-owned model is administered through `OrganizationScopedAdmin`:
- rows, foreign-key choices and autocomplete results are limited to the request's
  organization (superusers see every organization);
- view/add/change/delete come from the capability table in `revops.permissions`, not from
  Django's model permissions, so an organization admin needs no `is_staff` flag;
- writes go through the services (`record_create` / `record_update` / `record_delete`),
  which validate and audit; a refused write is reported with `message_user`.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect

from revops.models import Organization, User
from revops.permissions import Cap, has_cap
from revops.services.crm import record_create, record_delete, record_update

SAVE_FAILED_ATTR = "_revops_admin_save_failed"


def request_organization(request: HttpRequest) -> Organization | None:
    return getattr(request, "organization", None)


def is_superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and request.user.is_active and request.user.is_superuser)


def scoped_queryset(model: type[models.Model], request: HttpRequest) -> models.QuerySet:
    """The rows of `model` the request may pick or see: its organization's, or all for superusers."""
    qs = model._default_manager.all()
    if is_superuser(request):
        return qs
    organization = request_organization(request)
    if organization is None:
        return qs.none()
    if model is Organization:
        return qs.filter(pk=organization.pk)
    if issubclass(model, User):
        return qs.filter(
            is_superuser=False,
            id__in=organization.memberships.values("user_id"),
        )
    if any(f.name == "organization" for f in model._meta.get_fields()):
        return qs.filter(organization=organization)
    return qs.none()  # deny by default: a model with no organization is for superusers


def error_text(error: ValidationError) -> str:
    """The errors as one line; field errors prefixed with the field, row-level errors bare."""
    if hasattr(error, "message_dict"):
        return "; ".join(
            " ".join(msgs) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(msgs)}"
            for field, msgs in error.message_dict.items()
        )
    return " ".join(error.messages)


class CappedPaginator(Paginator):
    """Counts at most `CAP` rows: an exact COUNT(*) over a big table is the slow part of a changelist."""

    CAP = 10_000
    object_list: models.QuerySet[Any]  # the changelist's queryset

    @cached_property
    def count(self) -> int:
        # COUNT over a LIMITed subquery stops after CAP rows; pages past the cap are not offered.
        return self.object_list.values("pk")[: self.CAP].count()


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """For rows that belong to no organization (organizations, global settings)."""

    def has_module_permission(self, request):
        return is_superuser(request)

    def has_view_permission(self, request, obj=None):
        return is_superuser(request)

    def has_add_permission(self, request):
        return is_superuser(request)

    def has_change_permission(self, request, obj=None):
        return is_superuser(request)

    def has_delete_permission(self, request, obj=None):
        return is_superuser(request)


class OrganizationScopedAdmin(admin.ModelAdmin):
    """Base admin for organization-owned rows; see the module docstring."""

    view_cap: Cap = Cap.ADMIN_SITE
    edit_cap: Cap = Cap.ADMIN_SITE
    read_only: bool = False
    show_full_result_count = False

    # -- permissions -------------------------------------------------------------------------

    def _granted(self, request: HttpRequest, cap: Cap) -> bool:
        if is_superuser(request):
            return True
        membership = getattr(request, "membership", None)
        return has_cap(membership, Cap.ADMIN_SITE) and has_cap(membership, cap)

    def _in_scope(self, request: HttpRequest, obj) -> bool:
        if obj is None or is_superuser(request):
            return True
        organization = request_organization(request)
        return organization is not None and obj.organization_id == organization.pk

    def has_module_permission(self, request):
        return self._granted(request, self.view_cap)

    def has_view_permission(self, request, obj=None):
        return self._granted(request, self.view_cap) and self._in_scope(request, obj)

    def has_add_permission(self, request, *args):
        return not self.read_only and self._granted(request, self.edit_cap)

    def has_change_permission(self, request, obj=None):
        return not self.read_only and self._granted(request, self.edit_cap) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self.read_only and self._granted(request, self.edit_cap) and self._in_scope(request, obj)

    # -- rows and choices ----------------------------------------------------------------------

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_superuser(request):
            return qs
        organization = request_organization(request)
        return qs.filter(organization=organization) if organization is not None else qs.none()

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete widgets call this on the related model's admin: scope again, so no
        # other organization's rows can be offered even if a subclass widens get_queryset.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not is_superuser(request):
            organization = request_organization(request)
            queryset = queryset.filter(organization=organization) if organization else queryset.none()
        return queryset, may_have_duplicates

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoped_queryset(db_field.remote_field.model, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not is_superuser(request):
            exclude.append("organization")  # always the request's organization
        return exclude

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if is_superuser(request) and obj is not None and "organization" not in fields:
            fields.append("organization")  # a row never moves to another organization
        return fields

    # -- writes through the services ------------------------------------------------------------

    def form_data(self, form) -> dict[str, Any]:
        """The model fields the form edits, as cleaned values (many-to-many are saved later)."""
        names = {f.name for f in self.model._meta.concrete_fields}
        return {name: value for name, value in form.cleaned_data.items() if name in names}

    def create_via_service(self, request, *, organization, data: dict[str, Any]):
        return record_create(model=self.model, organization=organization, actor=request.user, data=data)

    def update_via_service(self, request, *, instance, data: dict[str, Any]):
        return record_update(instance=instance, actor=request.user, data=data)

    def save_model(self, request, obj, form, change):
        data = self.form_data(form)
        try:
            if change:
                fresh = self.model._default_manager.get(pk=obj.pk)
                changed = {name: data[name] for name in form.changed_data if name in data}
                saved = self.update_via_service(request, instance=fresh, data=changed)
            else:
                organization = data.pop("organization", None) or request_organization(request)
                saved = self.create_via_service(request, organization=organization, data=data)
        except ValidationError as error:
            setattr(request, SAVE_FAILED_ATTR, True)
            self.message_user(request, f"Not saved: {error_text(error)}", level=messages.ERROR)
            return
        obj.pk = saved.pk
        obj.organization_id = saved.organization_id
        obj._state.adding = False

    def delete_model(self, request, obj):
        record_delete(instance=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record_delete(instance=obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        if not getattr(request, SAVE_FAILED_ATTR, False):
            super().save_related(request, form, formsets, change)

    def log_addition(self, request, obj, message):
        if not getattr(request, SAVE_FAILED_ATTR, False):
            return super().log_addition(request, obj, message)
        return None

    def log_change(self, request, obj, message):
        if not getattr(request, SAVE_FAILED_ATTR, False):
            return super().log_change(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, SAVE_FAILED_ATTR, False):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, SAVE_FAILED_ATTR, False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


class ReadOnlyScopedAdmin(OrganizationScopedAdmin):
    """Rows written only by services (history, audit, jobs): view, never add/change/delete."""

    read_only = True

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ScopedInline(admin.TabularInline):
    """Rows edited on their parent's page, with the parent's access: the capability table
    (`edit_cap`), not Django's model permissions, which organization admins do not hold (an
    inline without this is silently left out of the page for them). Choices of foreign keys
    are the organization's rows; the organization itself is never asked for."""

    extra = 0
    exclude = ("organization",)
    edit_cap: str = Cap.ADMIN_SITE

    def _allowed(self, request) -> bool:
        return is_superuser(request) or has_cap(getattr(request, "membership", None), self.edit_cap)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoped_queryset(db_field.remote_field.model, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    """An inline that lists history rows and never edits them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # the parent admin has already checked scope and capability
