"""Internal pages of the partner program: the approval queue, disputes, the program, analytics."""

from django.urls import path

from partners.views import analytics, disputes, links, program, queue

app_name = "partners"
urlpatterns = [
    path("registrations/", queue.queue_view, name="queue"),
    path("registrations/decide/", queue.bulk_decide_view, name="bulk-decide"),
    path("registrations/<int:pk>/", queue.registration_view, name="registration"),
    path("registrations/<int:pk>/decide/", queue.decide_view, name="decide"),
    path("touchpoints/<int:pk>/", queue.touchpoint_view, name="touchpoint"),
    path("touchpoints/<int:pk>/decide/", queue.touchpoint_decide_view, name="touchpoint-decide"),
    path("split-changes/<int:pk>/", queue.split_change_view, name="split-change"),
    path("split-changes/<int:pk>/decide/", queue.split_change_decide_view, name="split-change-decide"),
    path("links/", links.links_view, name="links"),
    path("links/<int:pk>/revoke/", links.link_revoke_view, name="link-revoke"),
    path("disputes/", disputes.dispute_queue_view, name="disputes"),
    path("disputes/report/", disputes.dispute_report_view, name="dispute-report"),
    path("disputes/new/", disputes.dispute_new_view, name="dispute-new"),
    path("disputes/<int:pk>/", disputes.dispute_detail_view, name="dispute"),
    path("disputes/<int:pk>/comment/", disputes.dispute_comment_view, name="dispute-comment"),
    path("disputes/<int:pk>/note/", disputes.dispute_note_view, name="dispute-note"),
    path("disputes/<int:pk>/resolve/", disputes.dispute_resolve_view, name="dispute-resolve"),
    path("analytics/", analytics.analytics_view, name="analytics"),
    path("analytics/revenue/", analytics.revenue_table_view, name="analytics-revenue"),
    path("analytics/pipeline/", analytics.pipeline_table_view, name="analytics-pipeline"),
    path("analytics/comparison/", analytics.comparison_table_view, name="analytics-comparison"),
    path("analytics/funnel/", analytics.funnel_table_view, name="analytics-funnel"),
    path("analytics/leaderboard/", analytics.leaderboard_table_view, name="analytics-leaderboard"),
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
