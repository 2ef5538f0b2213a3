"""The one base class every API view inherits: tenancy, scoping, capabilities, error mapping.

`OrganizationScopedViewSetMixin` alone owns `get_queryset` and `get_permissions`. Subclasses
narrow rows through `safely_get_queryset(queryset)`; overriding either method fails at import.
The escape hatches are spelled `dangerously_get_queryset` / `dangerously_get_permissions` so a
reviewer sees them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import ProtectedError
from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from revops import tenancy
from revops.exceptions import ApplicationError
from revops.models import ApiToken
from revops.permissions import Cap, HasCapability, has_cap
from revops.versions import StaleRecordError

OWNED_METHODS = ("get_queryset", "get_permissions")


class Audience:
    """Who an API view is for (`OrganizationScopedViewSetMixin.audience`)."""

    # Internal roles; partner users get 404 (the portal boundary, `HasCapability`). The
    # partner program's shared endpoints (disputes, tiers, health) use their own permission
    # class and answer partner users on their partner's rows.
    INTERNAL = "internal"
    INTERNAL_ONLY = "internal_only"  # the same, said explicitly (also for custom permissions)
    PORTAL = "portal"  # partner users only; everyone else gets 404


DELETE_PROTECTED = "This {model} cannot be deleted: it is still referenced by {refs}."


def crud_caps(*, read: Cap, edit: Cap | None = None) -> dict[str, Cap]:
    """Capabilities per viewset action: `read` for list/retrieve, `edit` for writes."""
    caps = {"list": read, "retrieve": read}
    if edit is not None:
        caps |= {"create": edit, "update": edit, "partial_update": edit, "destroy": edit}
    return caps


def _field_errors(exc: DjangoValidationError) -> dict[str, list[str]] | list[str]:
    """Django's `full_clean` errors in DRF's shape (`__all__` → `non_field_errors`)."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    key = api_settings.NON_FIELD_ERRORS_KEY
    return {(key if name == NON_FIELD_ERRORS else name): msgs for name, msgs in exc.message_dict.items()}


def _protected_message(exc: ProtectedError, obj_model: str) -> str:
    labels = sorted({str(o._meta.verbose_name_plural) for o in exc.protected_objects})
    return DELETE_PROTECTED.format(model=obj_model, refs=", ".join(labels) or "other records")


if TYPE_CHECKING:  # the mixin is always combined with a DRF view
    from rest_framework.views import APIView as _ViewBase
else:
    _ViewBase = object


class OrganizationScopedViewSetMixin(_ViewBase):
    """Scope every API view to the request's organization and role.

    - After DRF authenticates, the tenancy is attached again so a token request acts in the
      token's organization (an `X-Organization` header cannot lead it elsewhere).
    - `get_queryset` starts from `model.objects.visible_to(membership)` (or the organization
      filter for models without it) and lets the subclass narrow it; object routes therefore
      answer 404 for rows outside scope.
    - Permissions are `IsAuthenticated` + `HasCapability` with `required_caps` per action.
    - `audience` draws the portal boundary for the API: a `PORTAL` view is for partner users
      (their tokens or sessions) and answers every other member 404; an `INTERNAL_ONLY` view
      answers partner users 404, as the internal pages do; so does every `INTERNAL` view
      through `HasCapability`.
    """

    # DRF's Request, which also answers `membership` and `organization` (set by tenancy.attach)
    # from the HttpRequest it wraps.
    request: Any
    model: ClassVar[type[models.Model] | None] = None
    required_caps: ClassVar[dict[str, Cap]] = {}
    audience: ClassVar[str] = "internal"
    dangerously_get_queryset: Callable[[], models.QuerySet] | None = None
    dangerously_get_permissions: Callable[[], list[BasePermission]] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in OWNED_METHODS:
            if getattr(cls, name) is not getattr(OrganizationScopedViewSetMixin, name):
                raise TypeError(
                    f"{cls.__name__} must not override {name}(); narrow rows with "
                    f"safely_get_queryset() or use dangerously_{name}() deliberately."
                )

    def perform_authentication(self, request) -> None:
        """Authenticate (DRF), then attach the membership the credentials lead to."""
        super().perform_authentication(request)
        token = request.auth if isinstance(request.auth, ApiToken) else None
        tenancy.attach(request._request, token=token)

    def check_permissions(self, request) -> None:
        """A method the view does not offer is 405 for everyone, before capabilities are asked."""
        if getattr(self, request.method.lower(), None) is None:
            raise exceptions.MethodNotAllowed(request.method)
        membership = self.membership
        if membership is not None:
            partner_user = has_cap(membership, Cap.PORTAL)
            if (self.audience == Audience.PORTAL and not partner_user) or (
                self.audience == Audience.INTERNAL_ONLY and partner_user
            ):
                raise exceptions.NotFound
        super().check_permissions(request)

    @property
    def membership(self):
        return getattr(self.request, "membership", None)

    def get_permissions(self) -> list[BasePermission]:
        if self.dangerously_get_permissions is not None:
            return self.dangerously_get_permissions()
        return [IsAuthenticated(), HasCapability()]

    def get_queryset(self) -> models.QuerySet:
        if self.dangerously_get_queryset is not None:
            return self.dangerously_get_queryset()
        if self.model is None:
            raise exceptions.MethodNotAllowed(self.request.method)
        manager = self.model._default_manager
        membership = self.membership
        if membership is None:
            return manager.none()
        if hasattr(manager, "visible_to"):
            queryset = manager.visible_to(membership)
        else:
            queryset = manager.filter(organization_id=membership.organization_id)
        return self.safely_get_queryset(queryset)

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        """Narrow (never widen) the scoped queryset: filters, select_related, ordering."""
        return queryset

    def handle_exception(self, exc: Exception) -> Response:
        """Map model validation to 400 with field errors, PROTECT refusals and stale writes
        (revops.versions) to 409."""
        if isinstance(exc, StaleRecordError):
            return self._stale_response(exc)
        if isinstance(exc, DjangoValidationError):
            exc = exceptions.ValidationError(_field_errors(exc))
        elif isinstance(exc, ApplicationError):
            exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [exc.message]})
        elif isinstance(exc, ProtectedError):
            name = self.model._meta.verbose_name if self.model is not None else "record"
            return Response({"detail": _protected_message(exc, str(name))}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def _stale_response(self, exc: StaleRecordError) -> Response:
        """409 for a write that started from an older version: the current version (also as
        ETag), who saved last, and the record as it is now, so the client can merge and retry."""
        body: dict[str, Any] = {
            "detail": exc.message,
            "current_version": exc.current_version,
            "last_saved_by": exc.last_save.by if exc.last_save else None,
            "last_saved_at": exc.last_save.at.isoformat() if exc.last_save else None,
        }
        get_serializer = getattr(self, "get_serializer", None)
        if get_serializer is not None:
            body["current"] = get_serializer(exc.instance).data
        return Response(body, status=status.HTTP_409_CONFLICT, headers={"ETag": f'"{exc.current_version}"'})


class HasApiAccess(BasePermission):
    """DRF: the membership (from the session, or from the token) may use the API at all.

    Guards the OpenAPI schema and its docs: the whole internal API surface is for the roles
    and tokens that can call it, not for partner users (who have no API access).
    """

    def has_permission(self, request, view) -> bool:
        token = request.auth if isinstance(request.auth, ApiToken) else None
        # Attach again after DRF authenticated (a token, or a forced user in tests).
        membership = tenancy.attach(request._request, token=token)
        if has_cap(membership, Cap.PORTAL):
            raise exceptions.NotFound  # partner users: the internal API does not exist for them
        return has_cap(membership, Cap.API_ACCESS)
