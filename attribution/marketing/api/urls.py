"""Marketing API routes, included under /api/v1/marketing/ (namespace `marketing-api`)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from attribution.marketing.api.views import (
    ComparisonApi,
    ConfigScheduleViewSet,
    JourneyDetailApi,
    JourneyListApi,
    PathSetViewSet,
    RunViewSet,
    TouchpointBulkCreateApi,
)

app_name = "marketing-api"

router = DefaultRouter()
router.include_root_view = False
router.register("runs", RunViewSet, basename="run")
router.register("path-sets", PathSetViewSet, basename="path-set")
router.register("schedules", ConfigScheduleViewSet, basename="schedule")

urlpatterns = [
    *router.urls,
    path("touchpoints/bulk/", TouchpointBulkCreateApi.as_view(), name="touchpoint-bulk"),
    path("comparison/", ComparisonApi.as_view(), name="comparison"),
    path("journeys/", JourneyListApi.as_view(), name="journeys"),
    path("journeys/<int:pk>/", JourneyDetailApi.as_view(), name="journey"),
]
