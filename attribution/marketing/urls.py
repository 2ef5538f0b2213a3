"""Marketing attribution pages."""

from django.urls import path

from attribution.marketing import views

app_name = "marketing"
urlpatterns = [
    path("", views.comparison_view, name="comparison"),
    path("channels/", views.channels_view, name="channels"),
    path("runs/", views.runs_view, name="runs"),
    path("runs/new/", views.run_create_view, name="run-create"),
    path("runs/<int:pk>/promote/", views.run_promote_view, name="run-promote"),
    path("runs/compare/", views.run_compare_view, name="run-compare"),
    path("journeys/", views.journeys_view, name="journeys"),
    path("journeys/<int:pk>/", views.journey_view, name="journey"),
]
