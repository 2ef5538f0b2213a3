"""Partner-attribution pages."""

from django.urls import path

from attribution.views import deal, ledger, performance, periods, rule_files, rules, settings

app_name = "attribution"
urlpatterns = [
    path("deals/<int:pk>/", deal.deal_detail_view, name="deal"),
    path("deals/<int:pk>/split/", deal.deal_split_change_view, name="deal-split"),
    path("ledger/", ledger.ledger_view, name="ledger"),
    path("partners/", performance.partner_performance_view, name="partners"),
    path("periods/", periods.period_analytics_view, name="periods"),
    path("periods/<int:pk>/close/", periods.period_close_view, name="period-close"),
    path("periods/<int:pk>/reopen/", periods.period_reopen_view, name="period-reopen"),
    path("rules/", rules.rule_list_view, name="rules"),
    path("rules/new/", rules.rule_new_view, name="rule-new"),
    path("rules/parse/", rules.rule_parse_view, name="rule-parse"),
    path("rules/<int:pk>/", rules.rule_edit_view, name="rule-edit"),
    path("rules/export/", rule_files.rule_export_view, name="rule-export"),
    path("rules/import/", rule_files.rule_import_view, name="rule-import"),
    path("rules/import/confirm/", rule_files.rule_import_confirm_view, name="rule-import-confirm"),
    path("settings/", settings.attribution_settings_view, name="settings"),
    path("settings/preview/", settings.attribution_settings_preview_view, name="settings-preview"),
]
