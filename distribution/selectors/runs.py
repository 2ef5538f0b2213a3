"""Reads on configurations and runs for the pages and the API (the organization's, for RUN)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from distribution.models import DistributionConfig, DistributionRun
from distribution.reports import fairness
from distribution.selectors.leads import visible_rep_ids
from revops.models import JobRun, Membership

RUN_KIND = "distribution.run"


def config_list(*, membership: Membership) -> QuerySet[DistributionConfig]:
    return DistributionConfig.objects.filter(organization_id=membership.organization_id).order_by("name")


def run_list(*, membership: Membership) -> QuerySet[DistributionRun]:
    return DistributionRun.objects.filter(organization_id=membership.organization_id).order_by(
        "-created_at", "-id"
    )


def run_jobs(*, membership: Membership, limit: int = 5) -> list[JobRun]:
    return list(
        JobRun.objects.filter(organization_id=membership.organization_id, kind=RUN_KIND).order_by(
            "-created_at"
        )[:limit]
    )


@dataclass
class RunView:
    """One run as its page shows it, cut to the reps the member may see."""

    run: DistributionRun
    reps: list[dict]
    preview: list[dict]
    hidden_rows: int
    exclusions: list[tuple[str, int]]
    fairness: dict


def run_view(*, membership: Membership, run: DistributionRun) -> RunView:
    visible = visible_rep_ids(membership=membership)
    reps = [r for r in run.reps if visible is None or r["rep_id"] in visible]
    preview = [p for p in run.preview if visible is None or p["rep_id"] in visible]
    return RunView(
        run=run,
        reps=reps,
        preview=preview,
        hidden_rows=len(run.preview) - len(preview),
        exclusions=sorted(run.exclusions.items(), key=lambda kv: -kv[1]),
        fairness=fairness(reps),
    )


def fairness_over_time(*, membership: Membership, limit: int = 60) -> list[dict]:
    """Per applied run (newest first): its fairness figures over the reps the member sees."""
    visible = visible_rep_ids(membership=membership)
    rows = []
    for run in run_list(membership=membership).filter(mode="applied")[:limit]:
        reps = [r for r in run.reps if visible is None or r["rep_id"] in visible]
        fair = fairness(reps)
        rows.append(
            {"run": run, "gini": fair["gini"], "max_deviation": fair["max_deviation"], "reps": len(reps)}
        )
    return rows
