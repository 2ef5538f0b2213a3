"""Partner program API routes, included under /api/v1/partner-program/ (namespace `partners-api`)."""

from rest_framework.routers import DefaultRouter

from partners.api.views import PartnerDisputeViewSet

app_name = "partners-api"

router = DefaultRouter()
router.include_root_view = False
router.register("disputes", PartnerDisputeViewSet, basename="dispute")

urlpatterns = router.urls
