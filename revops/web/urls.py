"""Server-rendered pages of the core app (dashboard, opportunities, jobs, tokens)."""

from django.urls import path

from revops.web import (
    accounts,
    dashboard,
    imports,
    jobs,
    opportunities,
    opportunity_forms,
    organization,
    partners,
    search,
    tokens,
)

app_name = "revops"
urlpatterns: list = [
    path("", dashboard.home, name="home"),
    path("opportunities/", opportunities.opportunity_list_view, name="opportunity-list"),
    path("opportunities/import/", imports.opportunity_import_view, name="opportunity-import"),
    path("opportunities/new/", opportunity_forms.opportunity_create_view, name="opportunity-create"),
    path("opportunities/<int:pk>/", opportunities.opportunity_detail_view, name="opportunity-detail"),
    path("opportunities/<int:pk>/edit/", opportunity_forms.opportunity_edit_view, name="opportunity-edit"),
    path("accounts/new/", accounts.account_create_view, name="account-create"),
    path("accounts/<int:pk>/", accounts.account_detail_view, name="account-detail"),
    path("accounts/<int:pk>/edit/", accounts.account_edit_view, name="account-edit"),
    path("partners/new/", partners.partner_create_view, name="partner-create"),
    path("partners/<int:pk>/", partners.partner_detail_view, name="partner-detail"),
    path("partners/<int:pk>/edit/", partners.partner_edit_view, name="partner-edit"),
    path("search/", search.search_view, name="search"),
    path("jobs/", jobs.job_list_view, name="job-list"),
    path("jobs/<int:pk>/progress/", jobs.job_progress_view, name="job-progress"),
    path("account/tokens/", tokens.token_list_view, name="token-list"),
    path("account/tokens/new/", tokens.token_create_view, name="token-create"),
    path("account/tokens/<int:pk>/revoke/", tokens.token_revoke_view, name="token-revoke"),
    path("organization/switch/", organization.organization_switch_view, name="organization-switch"),
]
