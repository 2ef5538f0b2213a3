"""Server-rendered pages of the core app (dashboard, opportunities, jobs, tokens)."""

from django.urls import path

from revops.web import (
    accounts,
    backup,
    dashboard,
    exports,
    imports,
    jobs,
    opportunities,
    opportunity_forms,
    organization,
    partners,
    reports,
    search,
    tokens,
)

app_name = "revops"
urlpatterns: list = [
    path("", dashboard.home, name="home"),
    path("opportunities/", opportunities.opportunity_list_view, name="opportunity-list"),
    path("opportunities/import/", imports.import_upload_view, name="opportunity-import"),
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
    path("exports/<int:pk>/", exports.export_status_view, name="export-status"),
    path("exports/<int:pk>/download/", exports.export_download_view, name="export-download"),
    path("jobs/<int:pk>/progress/", jobs.job_progress_view, name="job-progress"),
    path("imports/", imports.import_index_view, name="import-index"),
    path("imports/<slug:kind_name>/", imports.import_upload_view, name="import-upload"),
    path(
        "imports/<slug:kind_name>/template.<slug:fmt>", imports.import_template_view, name="import-template"
    ),
    path("imports/jobs/<int:pk>/", imports.import_job_view, name="import-job"),
    path("imports/jobs/<int:pk>/confirm/", imports.import_confirm_view, name="import-confirm"),
    path("account/tokens/", tokens.token_list_view, name="token-list"),
    path("account/tokens/new/", tokens.token_create_view, name="token-create"),
    path("account/tokens/<int:pk>/revoke/", tokens.token_revoke_view, name="token-revoke"),
    path("organization/backup/", backup.backup_view, name="backup"),
    path("organization/backup/restore/", backup.restore_view, name="backup-restore"),
    path("organization/backup/jobs/<int:pk>/", backup.backup_job_view, name="backup-job"),
    path("organization/backup/jobs/<int:pk>/download/", backup.backup_download_view, name="backup-download"),
    path("reports/", reports.reports_view, name="reports"),
    path("reports/jobs/<int:pk>/", reports.report_job_view, name="report-job"),
    path("reports/jobs/<int:pk>/download/", reports.report_download_view, name="report-download"),
    path("reports/schedules/", reports.report_schedule_create_view, name="report-schedule-create"),
    path(
        "reports/schedules/<int:pk>/delete/",
        reports.report_schedule_delete_view,
        name="report-schedule-delete",
    ),
    path("organization/switch/", organization.organization_switch_view, name="organization-switch"),
]
