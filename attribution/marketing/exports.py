"""Marketing exports (see revops.export_registry), built from the pages' selectors.

- marketing-comparison: every model's latest run per channel (revenue, share, interval);
- marketing-channels: the channel performance table of a run (``?run=``, default: the run
  finance reports on), with spend, ROAS, win rate, expected revenue and the recommendation.
"""

from __future__ import annotations

from django.http import QueryDict

from attribution.marketing.permissions import MarketingCap
from attribution.marketing.selectors.paths import path_row_list, path_set_get, path_set_list
from attribution.marketing.selectors.results import (
    channel_performance,
    model_comparison,
    reporting_run,
    run_get,
)
from revops.export_registry import ExportData, ExportSpec, export_register
from revops.exports import ExportTable
from revops.models import Membership

CHANNEL_HEADERS = (
    "Channel",
    "Group",
    "Conversions",
    "Revenue",
    "Share %",
    "Revenue low",
    "Revenue high",
    "Spend",
    "Cost per conversion",
    "ROAS",
    "Journeys",
    "Win rate %",
    "Open pipeline",
    "Expected revenue",
    "Expected ROAS",
    "Thin data",
    "Recommendation",
    "Reason",
)


def comparison_export(*, membership: Membership, params: QueryDict) -> ExportData:
    comparison = model_comparison(organization=membership.organization)
    headers = ["Channel"]
    for label in comparison.labels:
        headers += [f"{label} revenue", f"{label} share %", f"{label} low", f"{label} high"]
    rows = []
    for row in comparison.rows:
        line: list = [row.channel]
        for cell in row.cells:
            line += [cell.value, cell.share, cell.low, cell.high] if cell else ["", "", "", ""]
        rows.append(line)
    return ExportData(
        filename="marketing-model-comparison",
        title="Marketing attribution: model comparison",
        tables=[ExportTable("Models per channel", headers, rows, len(rows))],
        summary=[("Runs", ", ".join(f"{r.get_model_display()} #{r.pk}" for r in comparison.runs))]
        + [("Note", note) for note in comparison.notes],
    )


def channels_export(*, membership: Membership, params: QueryDict) -> ExportData:
    organization = membership.organization
    run = (
        run_get(organization=organization, pk=params["run"])
        if params.get("run")
        else reporting_run(organization=organization)
    )
    rows = []
    if run is not None:
        for p in channel_performance(run=run):
            rows.append(
                [
                    p.channel,
                    p.grouping,
                    p.conversions,
                    p.value,
                    p.share,
                    p.value_low,
                    p.value_high,
                    p.spend,
                    p.cost_per_conversion,
                    p.roas,
                    p.journeys,
                    p.win_rate,
                    p.open_pipeline,
                    p.expected_revenue,
                    p.expected_roas,
                    "yes" if p.thin else "",
                    p.recommendation,
                    p.reason,
                ]
            )
    summary = (
        []
        if run is None
        else [
            ("Run", f"{run} ({run.window_start} – {run.window_end})"),
            ("Win probability", run.probability_source or "—"),
        ]
    )
    return ExportData(
        filename=f"marketing-channels-{run.pk if run else 'none'}",
        title="Marketing attribution: channel performance",
        tables=[ExportTable("Channels", CHANNEL_HEADERS, rows, len(rows))],
        summary=summary,
    )


PATH_SET_HEADERS = ("Path set", "Rows", "Conversions", "Value", "Non-conversions", "Created", "Runs")
PATH_ROW_HEADERS = ("Path", "Steps", "Conversions", "Value", "Non-conversions")


def path_sets_export(*, membership: Membership, params: QueryDict) -> ExportData:
    sets = list(path_set_list(organization=membership.organization))
    rows = [
        [s.name, s.row_count, s.conversions, s.value, s.nulls, s.created_at.date(), s.run_count]  # type: ignore[attr-defined]
        for s in sets
    ]
    return ExportData(
        filename="marketing-path-sets",
        title="Marketing attribution: path sets",
        tables=[ExportTable("Path sets", PATH_SET_HEADERS, rows, len(rows))],
    )


def path_set_export(*, membership: Membership, params: QueryDict, pk: int) -> ExportData:
    path_set = path_set_get(organization=membership.organization, pk=pk)
    _filterset, qs = path_row_list(path_set=path_set, filters=params, sort=params.get("sort", ""))
    count = qs.count()
    rows = (
        [r.path, len(r.channels), r.conversions, r.value, r.nulls]
        for r in qs.only("path", "conversions", "value", "nulls").iterator(chunk_size=2000)
    )
    summary = [("Path set", path_set.name)]
    if params.get("channel"):
        summary.append(("Channel in the path", params["channel"]))
    return ExportData(
        filename=f"marketing-path-set-{path_set.pk}",
        title=f"Marketing attribution: path set {path_set.name}",
        tables=[ExportTable("Paths", PATH_ROW_HEADERS, rows, count)],
        summary=summary,
    )


def register_exports() -> None:
    export_register(
        ExportSpec(
            key="marketing-path-sets",
            page="marketing:path-sets",
            label="Path sets",
            cap=MarketingCap.VIEW,
            build=path_sets_export,
            formats=("csv", "xlsx"),
        )
    )
    export_register(
        ExportSpec(
            key="marketing-path-set",
            page="marketing:path-set",
            label="Path set rows",
            cap=MarketingCap.VIEW,
            build=path_set_export,
            formats=("csv", "xlsx"),
            url_kwargs=("pk",),
        )
    )
    export_register(
        ExportSpec(
            key="marketing-comparison",
            page="marketing:comparison",
            label="Model comparison",
            cap=MarketingCap.VIEW,
            build=comparison_export,
            formats=("csv", "xlsx", "pdf"),
        )
    )
    export_register(
        ExportSpec(
            key="marketing-channels",
            page="marketing:channels",
            label="Channel performance",
            cap=MarketingCap.VIEW,
            build=channels_export,
            formats=("csv", "xlsx", "pdf"),
        )
    )
