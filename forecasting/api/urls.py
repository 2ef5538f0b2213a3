"""Forecasting API routes, included under /api/v1/forecasting/ (namespace `forecasting-api`)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from forecasting.api.views import DealScoreViewSet, ForecastApi, ModelVersionViewSet, ScoreApi, TrainApi

app_name = "forecasting-api"

router = DefaultRouter()
router.include_root_view = False
router.register("scores", DealScoreViewSet, basename="score")
router.register("models", ModelVersionViewSet, basename="model")

urlpatterns = [
    *router.urls,
    path("forecast/", ForecastApi.as_view(), name="forecast"),
    path("train/", TrainApi.as_view(), name="train"),
    path("score/", ScoreApi.as_view(), name="score"),
]
