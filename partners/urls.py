"""Internal pages of the partner program (the approval queue)."""

from django.urls import path

from partners.views import program, queue

app_name = "partners"
urlpatterns = [
    path("registrations/", queue.queue_view, name="queue"),
    path("registrations/decide/", queue.bulk_decide_view, name="bulk-decide"),
    path("registrations/<int:pk>/", queue.registration_view, name="registration"),
    path("registrations/<int:pk>/decide/", queue.decide_view, name="decide"),
    path("program/", program.program_view, name="program"),
    path("program/recompute/", program.recompute_view, name="program-recompute"),
    path("program/partners/<int:pk>/", program.partner_view, name="program-partner"),
    path("program/partners/<int:pk>/lifecycle/", program.lifecycle_view, name="program-lifecycle"),
    path(
        "program/partners/<int:pk>/onboarding/<int:step>/", program.onboarding_view, name="program-onboarding"
    ),
    path("program/tier-changes/<int:pk>/decide/", program.tier_change_decide_view, name="tier-change-decide"),
    path("program/alerts/<int:pk>/acknowledge/", program.alert_ack_view, name="alert-ack"),
]
