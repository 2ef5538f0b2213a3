"""Server-rendered pages of the core app (dashboard, opportunities, jobs, tokens)."""

from django.urls import path

from revops.web import dashboard, imports, jobs, opportunities, organization, search, tokens

app_name = "revops"
urlpatterns: list = [
    path("", dashboard.home, name="home"),
    path("opportunities/", opportunities.opportunity_list_view, name="opportunity-list"),
    path("opportunities/import/", imports.opportunity_import_view, name="opportunity-import"),
    path("opportunities/<int:pk>/", opportunities.opportunity_detail_view, name="opportunity-detail"),
    path("search/", search.search_view, name="search"),
    path("jobs/", jobs.job_list_view, name="job-list"),
    path("jobs/<int:pk>/progress/", jobs.job_progress_view, name="job-progress"),
    path("account/tokens/", tokens.token_list_view, name="token-list"),
    path("account/tokens/new/", tokens.token_create_view, name="token-create"),
    path("account/tokens/<int:pk>/revoke/", tokens.token_revoke_view, name="token-revoke"),
    path("organization/switch/", organization.organization_switch_view, name="organization-switch"),
]
