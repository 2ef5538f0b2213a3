"""Commissions API routes, included under /api/v1/commissions/ (namespace `commissions-api`)."""

from rest_framework.routers import DefaultRouter

from commissions.api.views import (
    BusinessObjectiveViewSet,
    CommissionPlanViewSet,
    CommissionStatementViewSet,
    SalesTransactionViewSet,
)

app_name = "commissions-api"

router = DefaultRouter()
router.include_root_view = False
router.register("transactions", SalesTransactionViewSet, basename="transaction")
router.register("objectives", BusinessObjectiveViewSet, basename="objective")
router.register("plans", CommissionPlanViewSet, basename="plan")
router.register("statements", CommissionStatementViewSet, basename="statement")

urlpatterns = router.urls
