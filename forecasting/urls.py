"""Forecasting pages."""

from django.urls import path

from forecasting import views

app_name = "forecasting"
urlpatterns = [
    path("", views.risk_view, name="risk"),
    path("deals/<int:pk>/", views.deal_view, name="deal"),
    path("forecast/", views.forecast_page_view, name="forecast"),
    path("forecast/call/", views.call_submit_view, name="call-submit"),
    path("forecast/calls/<int:pk>/adjust/", views.call_adjust_view, name="call-adjust"),
    path("model/", views.model_view, name="model"),
    path("jobs/<slug:kind>/", views.job_start_view, name="job-start"),
]
