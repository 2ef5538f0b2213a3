"""Top-level URLs: pages, accounts (allauth), admin, API and its schema/docs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from revops.health import health_view

# An unmatched /api/ URL answers JSON like the API's own 404s; pages keep the 404 page.
handler404 = "revops.api.errors.not_found"

urlpatterns = [
    path("healthz/", health_view, name="health"),
    path("", include("revops.web.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    # Domain apps are wired by dotted path: core never imports them (import-linter contract).
    # Before the core's routes: its `partners/<pk>/` would otherwise take
    # `partners/registrations/`.
    path("api/v1/partners/", include("partners.api.urls")),
    path("api/v1/", include("revops.api.urls")),
    path("api/v1/attribution/", include("attribution.api.urls")),
    path("attribution/", include("attribution.urls")),
    path("marketing/", include("attribution.marketing.urls")),
    path("api/v1/commissions/", include("commissions.api.urls")),
    path("api/v1/marketing/", include("attribution.marketing.api.urls")),
    path("commissions/", include("commissions.urls")),
    path("api/v1/distribution/", include("distribution.api.urls")),
    path("distribution/", include("distribution.urls")),
    path("api/v1/forecasting/", include("forecasting.api.urls")),
    path("forecasting/", include("forecasting.urls")),
    path("partners/", include("partners.urls")),
    path("portal/", include("partners.urls_portal")),
    path("register/", include("partners.urls_public")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script: CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
