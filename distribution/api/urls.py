"""Distribution API routes, included under /api/v1/distribution/ (namespace `distribution-api`)."""

from rest_framework.routers import DefaultRouter

from distribution.api.views import (
    DistributionConfigViewSet,
    DistributionRunViewSet,
    LeadAssignmentViewSet,
    LeadViewSet,
)

app_name = "distribution-api"

router = DefaultRouter()
router.include_root_view = False
router.register("leads", LeadViewSet, basename="lead")
router.register("configs", DistributionConfigViewSet, basename="config")
router.register("runs", DistributionRunViewSet, basename="run")
router.register("assignments", LeadAssignmentViewSet, basename="assignment")

urlpatterns = router.urls
