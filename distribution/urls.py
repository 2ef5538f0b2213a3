"""Distribution pages."""

from django.urls import path

from distribution.views import leads, profiles, runs

app_name = "distribution"
urlpatterns = [
    path("leads/", leads.lead_list_view, name="leads"),
    path("leads/<int:pk>/", leads.lead_detail_view, name="lead"),
    path("configs/", runs.config_list_view, name="configs"),
    path("configs/new/", runs.config_new_view, name="config-new"),
    path("configs/validate/", runs.config_validate_view, name="config-validate"),
    path("configs/<int:pk>/", runs.config_detail_view, name="config"),
    path("configs/<int:pk>/run/", runs.config_run_view, name="config-run"),
    path("salespeople/", profiles.profile_list_view, name="profiles"),
    path("salespeople/new/", profiles.profile_new_view, name="profile-new"),
    path("salespeople/<int:pk>/", profiles.profile_edit_view, name="profile"),
    path("runs/", runs.run_list_view, name="runs"),
    path("runs/<int:pk>/", runs.run_detail_view, name="run"),
    path("fairness/", runs.fairness_view, name="fairness"),
]
