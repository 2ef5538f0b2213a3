"""Commission pages."""

from django.urls import path

from commissions.views import analysis, dashboard, disputes, objectives, reps, sales, simulator, statements

app_name = "commissions"
urlpatterns = [
    path("", dashboard.dashboard_view, name="dashboard"),
    path("statements/", statements.statement_list_view, name="statements"),
    path("statements/compute/", statements.statement_compute_view, name="statement-compute"),
    path("statements/<int:pk>/", statements.statement_detail_view, name="statement"),
    path("statements/<int:pk>/lines/<int:line_pk>/", statements.statement_line_view, name="statement-line"),
    path("statements/<int:pk>/approve/", statements.statement_approve_view, name="statement-approve"),
    path("statements/<int:pk>/pay/", statements.statement_pay_view, name="statement-pay"),
    path(
        "statements/<int:pk>/lines/<int:line_pk>/dispute/",
        disputes.dispute_raise_view,
        name="statement-line-dispute",
    ),
    path("disputes/", disputes.dispute_list_view, name="disputes"),
    path("disputes/<int:pk>/settle/", disputes.dispute_settle_view, name="dispute-settle"),
    path("sales/", sales.sales_history_view, name="sales"),
    path("uploads/", sales.upload_status_view, name="uploads"),
    path("objectives/", objectives.objective_grid_view, name="objectives"),
    path("objectives/cell/", objectives.objective_cell_view, name="objective-cell"),
    path("objectives/fill/", objectives.objective_fill_view, name="objective-fill"),
    path("analysis/", analysis.analysis_view, name="analysis"),
    path("simulator/", simulator.simulator_view, name="simulator"),
    path("reps/invite/", reps.rep_invite_view, name="rep-invite"),
    path("simulator/run/", simulator.simulator_run_view, name="simulator-run"),
]
