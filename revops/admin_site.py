"""The admin site: a configuration console for organization admins and superusers.

Access is decided by `revops.permissions.can_use_admin`, not by `is_staff`: an
organization admin uses the admin without being staff. Signing in goes through allauth.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from revops.permissions import can_use_admin


class RevopsAdminSite(admin.AdminSite):
    site_header = "revops configuration"
    site_title = "revops admin"
    index_title = "Configuration"

    def has_permission(self, request: HttpRequest) -> bool:
        return can_use_admin(request.user, getattr(request, "membership", None))

    def login(self, request: HttpRequest, extra_context=None):
        """Send people to the product's sign-in page (allauth), keeping where they were going."""
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
