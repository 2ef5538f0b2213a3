"""The Django admin app, configured to serve revops' own admin site.

Kept apart from `revops.admin_site`: this module is imported while the app registry is
still loading, so it must not import models (the site class does, through permissions).
"""

from django.contrib.admin.apps import AdminConfig


class RevopsAdminConfig(AdminConfig):
    """`django.contrib.admin` whose default site (`admin.site`) is RevopsAdminSite."""

    default_site = "revops.admin_site.RevopsAdminSite"
