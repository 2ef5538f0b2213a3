"""Partners API routes, included under /api/v1/partners/ (namespace `partners-api`)."""

from rest_framework.routers import DefaultRouter

from partners.api.disputes import PartnerDisputeViewSet
from partners.api.program import PartnerHealthViewSet, ProgramTierViewSet
from partners.api.touchpoints import PortalTouchpointViewSet, SplitChangeViewSet, TouchpointViewSet
from partners.api.views import PortalRegistrationViewSet, RegistrationViewSet

app_name = "partners-api"

router = DefaultRouter()
router.include_root_view = False
router.register("registrations", RegistrationViewSet, basename="registration")
router.register("portal/registrations", PortalRegistrationViewSet, basename="portal-registration")
router.register("touchpoints", TouchpointViewSet, basename="touchpoint")
router.register("portal/touchpoints", PortalTouchpointViewSet, basename="portal-touchpoint")
router.register("split-changes", SplitChangeViewSet, basename="split-change")
router.register("disputes", PartnerDisputeViewSet, basename="dispute")
router.register("tiers", ProgramTierViewSet, basename="tier")
router.register("health", PartnerHealthViewSet, basename="health")

urlpatterns = router.urls
