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
    path("paths/", views.path_set_list_view, name="path-sets"),
    path("paths/upload/", views.path_set_upload_view, name="path-set-upload"),
    path("paths/<int:pk>/", views.path_set_detail_view, name="path-set"),
    path("paths/<int:pk>/delete/", views.path_set_delete_view, name="path-set-delete"),
    path("schedules/", views.schedule_list_view, name="schedules"),
    path("schedules/new/", views.schedule_create_view, name="schedule-create"),
    path("schedules/<int:pk>/", views.schedule_edit_view, name="schedule-edit"),
    path("schedules/<int:pk>/enable/", views.schedule_enable_view, name="schedule-enable"),
    path("schedules/<int:pk>/run/", views.schedule_run_now_view, name="schedule-run-now"),
]
