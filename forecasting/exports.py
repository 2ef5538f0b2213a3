"""Forecasting's exports (see revops.export_registry), read as their pages read.

- forecasting-risk: the risk dashboard's deals as filtered, each with probability, risk,
  time-to-close band, drivers and actions (CSV, Excel);
- forecasting-forecast: the forecast report — periods with P10/P50/P90, the calls beside the
  simulation, the roll-up with quota, attainment and coverage, and the pipeline changes (CSV,
  Excel, and PDF written by an export job).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.http import QueryDict

from forecasting.filters import DealScoreFilterSet
from forecasting.models import DealScore
from forecasting.permissions import ForecastCap
from forecasting.selectors.dataset import organization_today
from forecasting.selectors.forecast import call_list, call_rows, forecast_view
from forecasting.selectors.rollup import Figures, forecast_rollup
from forecasting.selectors.scores import risk_list
from revops.export_registry import ExportData, ExportSpec, export_register
from revops.exports import ExportTable
from revops.models import Membership
from revops.providers import NO_QUOTA_SOURCE

RISK_HEADERS = (
    "Deal",
    "Owner",
    "Stage",
    "Amount",
    "Win probability",
    "Risk",
    "Risk band",
    "Close in P10 (days)",
    "Close in P50 (days)",
    "Close in P90 (days)",
    "Drivers",
    "Actions",
    "Model",
    "Scored on",
)
PERIOD_HEADERS = (
    "Period",
    "Won so far",
    "Open pipeline (mean)",
    "New deals (mean)",
    "Mean",
    "P10",
    "P50",
    "P90",
)
ROLLUP_HEADERS = (
    "Member",
    "Level",
    "Call commit",
    "Call best case",
    "Call pipeline",
    "Roll-up commit",
    "Roll-up best case",
    "Roll-up pipeline",
    "Won",
    "Open pipeline",
    "Quota",
    "Attainment",
    "Coverage",
    "No call yet",
)
CALL_HEADERS = (
    "Caller",
    "Commit",
    "Adjusted commit",
    "Reason",
    "Best case",
    "Pipeline",
    "Simulated P50",
    "Chance of commit",
)
CHANGE_HEADERS = ("Change", "Deal", "Before", "After")


def _risk_rows(scores) -> Iterator[tuple]:
    for s in scores:
        owner = s.opportunity.owner
        yield (
            s.opportunity.name,
            (owner.get_full_name() or owner.email) if owner else "",
            s.stage,
            s.amount,
            s.probability,
            s.risk,
            s.risk_band,
            s.days_p10,
            s.days_p50,
            s.days_p90,
            "; ".join(d["text"] for d in s.drivers),
            "; ".join(s.actions),
            s.model_version.source_label,
            s.as_of,
        )


def risk_export(*, membership: Membership, params: QueryDict) -> ExportData:
    filterset = DealScoreFilterSet(
        params, queryset=risk_list(membership=membership, sort=params.get("sort", ""))
    )
    scores = filterset.qs if filterset.is_valid() else DealScore.objects.none()
    return ExportData(
        filename=f"deal-risk-{organization_today(membership.organization)}",
        title="Deal risk",
        tables=[ExportTable("Deals", RISK_HEADERS, _risk_rows(scores), scores.count())],
    )


def forecast_export(*, membership: Membership, params: QueryDict) -> ExportData:
    view = forecast_view(membership=membership)
    periods = [
        (
            p["label"],
            p["won_to_date"],
            p["open_pipeline_mean"],
            p["runrate_mean"],
            p["mean"],
            p["p10"],
            p["p50"],
            p["p90"],
        )
        for p in view.periods
    ]
    if view.mine is not None:
        periods.append(
            (
                view.quarter.label,
                "",
                "",
                "",
                view.mine["mean"],
                view.mine["p10"],
                view.mine["p50"],
                view.mine["p90"],
            )
        )
    calls = [
        (
            r.call.owner.get_full_name() or r.call.owner.email,
            r.call.commit,
            r.call.adjusted_commit if r.call.adjusted_commit is not None else "",
            r.call.adjustment_reason,
            r.call.best_case,
            r.call.pipeline,
            r.forecast_p50 if r.forecast_p50 is not None else "",
            r.probability_of_commit if r.probability_of_commit is not None else "",
        )
        for r in call_rows(
            calls=call_list(membership=membership, period=view.quarter), snapshot=view.snapshot
        )
    ]
    rollup = forecast_rollup(membership=membership, period=view.quarter, snapshot=view.snapshot)
    rollup_rows = [
        (
            n.name,
            n.depth,
            *((n.call.effective_commit, n.call.best_case, n.call.pipeline) if n.call else ("", "", "")),
            *((n.rollup.commit, n.rollup.best_case, n.rollup.pipeline) if n.rollup else ("", "", "")),
            *_figures(n.team),
            ", ".join(n.missing),
        )
        for n in rollup.rows
    ]
    if rollup.organization is not None:
        org_call = rollup.organization_call
        rollup_rows.append(
            (
                "Organization",
                "",
                "",
                "",
                "",
                *((org_call.commit, org_call.best_case, org_call.pipeline) if org_call else ("", "", "")),
                *_figures(rollup.organization),
                "",
            )
        )
    changes = [(c.kind, c.name, c.before, c.after) for c in view.changes]
    summary = []
    if view.snapshot is not None:
        summary.append(
            (
                "As of",
                f"{view.snapshot.as_of} · {view.snapshot.model_label} · {view.snapshot.sims} simulations",
            )
        )
    return ExportData(
        filename=f"forecast-{organization_today(membership.organization)}",
        title="Forecast",
        tables=[
            ExportTable("Periods", PERIOD_HEADERS, periods, len(periods)),
            ExportTable("Calls", CALL_HEADERS, calls, len(calls)),
            ExportTable("Roll-up and quota", ROLLUP_HEADERS, rollup_rows, len(rollup_rows)),
            ExportTable("Pipeline changes", CHANGE_HEADERS, changes, len(changes)),
        ],
        summary=summary,
    )


def _figures(f: Figures) -> tuple:
    """Won, open pipeline, quota ("no quota" when none is known), attainment and coverage."""
    return (
        f.won,
        f.pipeline,
        f.quota if f.quota is not None else NO_QUOTA_SOURCE,
        round(f.attainment, 4) if f.attainment is not None else "",
        round(f.coverage, 4) if f.coverage is not None else ("quota reached" if f.quota_reached else ""),
    )


def register_exports() -> None:
    export_register(
        ExportSpec(
            key="forecasting-risk",
            page="forecasting:risk",
            label="Deal risk",
            cap=ForecastCap.VIEW,
            build=risk_export,
            formats=("csv", "xlsx"),
        )
    )
    export_register(
        ExportSpec(
            key="forecasting-forecast",
            page="forecasting:forecast",
            label="Forecast report",
            cap=ForecastCap.VIEW,
            build=forecast_export,
            formats=("csv", "xlsx", "pdf"),
        )
    )
