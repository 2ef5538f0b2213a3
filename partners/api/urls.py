"""Partner program API routes, included under /api/v1/partner-program/ (namespace `partners-api`)."""

from rest_framework.routers import DefaultRouter

from partners.api.views import PartnerHealthViewSet, ProgramTierViewSet

app_name = "partners-api"

router = DefaultRouter()
router.include_root_view = False
router.register("tiers", ProgramTierViewSet, basename="tier")
router.register("health", PartnerHealthViewSet, basename="health")

urlpatterns = [*router.urls]
