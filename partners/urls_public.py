"""Public pages of the partner program (no login): the form behind a signed registration link."""

from django.urls import path

from partners.views import links

urlpatterns = [
    path("<str:token>/", links.link_form_view, name="registration-link"),
]
