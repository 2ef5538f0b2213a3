"""A run's report as HTML, CSV or JSON: summary, per-rep before/after, assignments, exclusions."""

from __future__ import annotations

import csv
import io
import json

from django.template.loader import render_to_string

from distribution.engine import Plan
from distribution.models import DistributionRun
from revops.exports import neutralise as safe_cell

FORMATS = ("html", "csv", "json")


def fairness(reps: list[dict]) -> dict:
    """Share of the run's leads per rep against their target share; max deviation and Gini.

    A rep's target share is their target ÷ the sum of targets (equal shares when no targets
    are set). Gini is over the assigned counts of the reps who could receive leads.
    """
    total = sum(r["assigned"] for r in reps)
    targets = [r["target"] for r in reps]
    has_targets = any(t for t in targets)
    tsum = sum(t or 0 for t in targets) if has_targets else len(reps)
    rows = []
    for r in reps:
        share = r["assigned"] / total if total else 0.0
        target_share = ((r["target"] or 0) / tsum if has_targets else 1 / tsum) if tsum else 0.0
        rows.append(
            {
                **r,
                "share": round(share, 4),
                "target_share": round(target_share, 4),
                "deviation": round(share - target_share, 4),
            }
        )
    values = sorted(r["assigned"] for r in reps)
    n = len(values)
    gini = 0.0
    if n and total:
        cum = sum((i + 1) * v for i, v in enumerate(values))
        gini = (2 * cum) / (n * total) - (n + 1) / n
    return {
        "rows": rows,
        "max_deviation": round(max((abs(r["deviation"]) for r in rows), default=0.0), 4),
        "gini": round(gini, 4),
    }


def run_report(
    run: DistributionRun, plan: Plan | None, *, fmt: str, names: dict[int, str] | None = None
) -> str:
    """The report text; assignments come from the plan (all of them) or the run's preview."""
    names = names or {}
    if plan is not None:
        assignments = [
            {
                "lead_id": a.lead_id,
                "rep_id": a.rep_id,
                "rep": names.get(a.rep_id, ""),
                "strategy": a.strategy,
                "reason": a.explanation.reason,
            }
            for a in plan.assignments
        ]
    else:
        assignments = list(run.preview)
    summary = {
        "run_id": run.pk,
        "config": run.config_name,
        "mode": run.mode,
        "status": run.status,
        "run_on": run.run_on.isoformat(),
        "seed": run.seed,
        "strategies": run.strategies,
        "counts": run.counts,
        "exclusions": run.exclusions,
        "unassigned": run.unassigned,
    }
    fair = fairness(run.reps)
    if fmt == "json":
        return json.dumps(
            {**summary, "reps": run.reps, "fairness": fair, "assignments": assignments}, indent=2, default=str
        )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["section", "lead_id", "rep_id", "rep", "strategy", "reason", "before", "after"])
        for r in run.reps:
            writer.writerow(["rep", "", r["rep_id"], safe_cell(r["name"]), "", "", r["before"], r["after"]])
        for a in assignments:
            writer.writerow(
                [
                    "assignment",
                    a["lead_id"],
                    a["rep_id"],
                    safe_cell(a.get("rep", "")),
                    a["strategy"],
                    safe_cell(a["reason"]),
                    "",
                    "",
                ]
            )
        for reason, count in run.exclusions.items():
            writer.writerow(["excluded", "", "", "", "", reason, count, ""])
        return out.getvalue()
    if fmt == "html":
        return render_to_string(
            "distribution/reports/run_report.html",
            {"summary": summary, "reps": fair["rows"], "fairness": fair, "assignments": assignments},
        )
    raise ValueError(f"unknown report format {fmt!r}")
