"""Core API routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from revops.api.views import (
    AccountViewSet,
    ApiTokenViewSet,
    FiscalPeriodViewSet,
    MeApi,
    OpportunityViewSet,
    PartnerViewSet,
    ProductLineViewSet,
    ProductViewSet,
    StageChangeViewSet,
)

router = DefaultRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("partners", PartnerViewSet, basename="partner")
router.register("product-lines", ProductLineViewSet, basename="product-line")
router.register("products", ProductViewSet, basename="product")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("stage-changes", StageChangeViewSet, basename="stage-change")
router.register("periods", FiscalPeriodViewSet, basename="period")
router.register("tokens", ApiTokenViewSet, basename="token")

urlpatterns = [
    path("me/", MeApi.as_view(), name="me"),
    *router.urls,
]
