"""Core API routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import APIRootView, DefaultRouter

from revops.api.base import OrganizationScopedViewSetMixin
from revops.api.imports import ImportConfirmApi, ImportCreateApi, ImportJobApi
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
from revops.permissions import Cap


class ApiRootView(OrganizationScopedViewSetMixin, APIRootView):
    """The API's index of endpoints: for members with API access, like every endpoint it lists."""

    required_cap = Cap.API_ACCESS


router = DefaultRouter()
router.APIRootView = ApiRootView
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
    path("imports/jobs/<int:pk>/", ImportJobApi.as_view(), name="import-job"),
    path("imports/jobs/<int:pk>/confirm/", ImportConfirmApi.as_view(), name="import-confirm"),
    path("imports/<slug:kind_name>/", ImportCreateApi.as_view(), name="import-create"),
    *router.urls,
]
