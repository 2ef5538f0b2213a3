"""Roles → capabilities: the one table that pages, API and admin all ask.

Deny by default: a capability not listed for a role is refused, and an unknown role has none.
"""

from __future__ import annotations

from enum import StrEnum
from typing import cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse
from rest_framework.permissions import BasePermission

from revops.models import Membership, Role


class Cap(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    OPPORTUNITY_VIEW = "opportunity.view"
    OPPORTUNITY_EDIT = "opportunity.edit"
    OPPORTUNITY_IMPORT = "opportunity.import"
    ACCOUNT_VIEW = "account.view"
    ACCOUNT_EDIT = "account.edit"
    PARTNER_VIEW = "partner.view"
    PARTNER_EDIT = "partner.edit"
    CATALOG_VIEW = "catalog.view"
    CATALOG_EDIT = "catalog.edit"
    PERIOD_VIEW = "period.view"
    PERIOD_CLOSE = "period.close"
    JOB_VIEW = "job.view"
    EXPORT = "export"
    API_ACCESS = "api.access"
    TOKEN_MANAGE_OWN = "token.manage_own"
    TOKEN_MANAGE_ALL = "token.manage_all"
    ADMIN_SITE = "admin.site"
    AUDIT_VIEW = "audit.view"
    PORTAL = "portal"
    ATTRIBUTION_VIEW = "attribution.view"
    ATTRIBUTION_EDIT = "attribution.edit"
    RULE_EDIT = "attribution.rule_edit"


_INTERNAL_READ = {
    Cap.DASHBOARD_VIEW,
    Cap.OPPORTUNITY_VIEW,
    Cap.ACCOUNT_VIEW,
    Cap.PARTNER_VIEW,
    Cap.CATALOG_VIEW,
    Cap.PERIOD_VIEW,
    Cap.EXPORT,
    Cap.API_ACCESS,
    Cap.TOKEN_MANAGE_OWN,
}

ROLE_CAPABILITIES: dict[str, frozenset[Cap]] = {
    Role.ADMIN: frozenset(Cap) - {Cap.PORTAL},
    Role.MANAGER: frozenset(
        _INTERNAL_READ
        | {Cap.OPPORTUNITY_EDIT, Cap.OPPORTUNITY_IMPORT, Cap.ACCOUNT_EDIT, Cap.JOB_VIEW}
        | {Cap.ATTRIBUTION_VIEW, Cap.ATTRIBUTION_EDIT}
    ),
    Role.FINANCE: frozenset(
        _INTERNAL_READ | {Cap.PERIOD_CLOSE, Cap.JOB_VIEW, Cap.AUDIT_VIEW, Cap.ATTRIBUTION_VIEW}
    ),
    Role.REP: frozenset(_INTERNAL_READ | {Cap.OPPORTUNITY_EDIT, Cap.ATTRIBUTION_VIEW}),
    Role.PARTNER: frozenset({Cap.PORTAL}),
}


def has_cap(membership: Membership | None, cap: Cap) -> bool:
    """True when the member's role grants `cap`; no membership means no capability."""
    if membership is None or not membership.is_active:
        return False
    return cap in ROLE_CAPABILITIES.get(membership.role, frozenset())


def require_cap(request: HttpRequest, cap: Cap) -> Membership:
    """Return the request's membership or raise PermissionDenied."""
    membership = getattr(request, "membership", None)
    if not has_cap(membership, cap):
        raise PermissionDenied
    return cast("Membership", membership)  # has_cap refuses a missing membership


class CapabilityRequiredMixin:
    """For class-based views: `required_cap` must be granted, or 403 (anonymous → login)."""

    required_cap: Cap | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('account_login')}?next={request.get_full_path()}")
        if self.required_cap is None:
            raise PermissionDenied  # deny by default: a view must name what it needs
        require_cap(request, self.required_cap)
        return super().dispatch(request, *args, **kwargs)


def cap_required(cap: Cap):
    """Decorator form of CapabilityRequiredMixin for function views."""

    def decorator(view):
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return HttpResponseRedirect(f"{reverse('account_login')}?next={request.get_full_path()}")
            require_cap(request, cap)
            return view(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        wrapped.required_cap = cap
        return wrapped

    return decorator


class HasCapability(BasePermission):
    """DRF: the view's `required_cap` (or `required_caps` per action) must be granted."""

    def has_permission(self, request, view) -> bool:
        membership = getattr(request, "membership", None)
        if not has_cap(membership, Cap.API_ACCESS):
            return False
        caps = getattr(view, "required_caps", None) or {}
        cap = caps.get(getattr(view, "action", None) or request.method.lower()) or getattr(
            view, "required_cap", None
        )
        if cap is None:
            return False
        return has_cap(membership, cap)


def can_use_admin(user, membership: Membership | None) -> bool:
    """Staff admin is for superusers and organization admins only."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return has_cap(membership, Cap.ADMIN_SITE)


class AdminAccessMiddleware:
    """Keep everyone but org admins and superusers out of /admin/ (404, not a login page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path.startswith("/admin/")
            and request.user.is_authenticated
            and not can_use_admin(request.user, getattr(request, "membership", None))
        ):
            raise Http404
        return self.get_response(request)
