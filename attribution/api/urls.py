"""Attribution API routes, included under /api/v1/attribution/ (namespace `attribution-api`)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from attribution.api.revenue import RevenueEventViewSet
from attribution.api.rules import RuleViewSet
from attribution.api.views import (
    AccountPartnerViewSet,
    AttributionSettingsApi,
    JobRunViewSet,
    LedgerEntryViewSet,
    OpportunityExplanationsApi,
    OpportunityPartnerViewSet,
    RecomputeApi,
)

app_name = "attribution-api"

router = DefaultRouter()
router.include_root_view = False
router.register("opportunity-partners", OpportunityPartnerViewSet, basename="opportunity-partner")
router.register("account-partners", AccountPartnerViewSet, basename="account-partner")
router.register("rules", RuleViewSet, basename="rule")
router.register("revenue-events", RevenueEventViewSet, basename="revenue-event")
router.register("ledger", LedgerEntryViewSet, basename="ledger-entry")
router.register("jobs", JobRunViewSet, basename="job")

urlpatterns = [
    path("recompute/", RecomputeApi.as_view(), name="recompute"),
    path(
        "opportunities/<int:pk>/explanations/",
        OpportunityExplanationsApi.as_view(),
        name="opportunity-explanations",
    ),
    path("settings/", AttributionSettingsApi.as_view(), name="settings"),
    *router.urls,
]
