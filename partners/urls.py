"""Internal pages of the partner program (the approval queue)."""

from django.urls import path

from partners.views import links, queue

app_name = "partners"
urlpatterns = [
    path("registrations/", queue.queue_view, name="queue"),
    path("registrations/decide/", queue.bulk_decide_view, name="bulk-decide"),
    path("registrations/<int:pk>/", queue.registration_view, name="registration"),
    path("registrations/<int:pk>/decide/", queue.decide_view, name="decide"),
    path("links/", links.links_view, name="links"),
    path("links/<int:pk>/revoke/", links.link_revoke_view, name="link-revoke"),
]
