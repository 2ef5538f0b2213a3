"""Record a distribution run and, unless it is a dry run, apply its plan in bulk.

A dry run writes one `DistributionRun` row (mode dry-run, with the preview) and nothing else:
no assignment, no lead changes, no config state. An applied run writes, in one transaction,
the run, one `LeadAssignment` per assigned lead, the leads' owners (only leads still unowned:
if another run took one meanwhile, the whole run is refused and nothing is written) and the
config's round-robin / catch-up state.

When the leads come from a CRM (`lead_source` odoo / salesforce), an applied run first writes
the owners back to the CRM and mirrors its leads (`services/crm.py`), then records as above
with the leads the CRM accepted. Status `partial` (partially applied): the CRM refused some
leads (listed in `failures` with its message; they keep their owner), the others are applied;
`failed`: it refused every one. A CRM call that fails as a whole raises `ConnectorError` and
nothing local is written. A dry run never calls the CRM's write methods.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from distribution.engine import Plan, dump
from distribution.models import (
    DistributionConfig,
    DistributionConfigVersion,
    DistributionRun,
    Lead,
    LeadAssignment,
    RunMode,
    RunStatus,
)
from distribution.selectors.inputs import Prepared, distribution_plan, state_to_json
from distribution.services.crm import crm_apply
from revops.bulk import bulk_insert
from revops.exceptions import ApplicationError
from revops.models import Organization

# Rows per INSERT: big enough to keep round trips few at 100,000 leads, small enough for
# SQLite's variable limit.
BATCH = 2000
PREVIEW_ROWS = 2000

Progress = Callable[[int, int], None]


def _rep_rows(plan: Plan) -> list[dict]:
    return [
        {
            "rep_id": r.rep_id,
            "name": r.name,
            "before": r.before,
            "assigned": r.assigned,
            "after": r.after,
            "target": r.target,
            "capacity": r.capacity,
        }
        for r in plan.reps
    ]


def _preview(plan: Plan, prepared: Prepared, names: dict[int, str], external: dict[int, str]) -> list[dict]:
    rows = []
    for a in plan.assignments[:PREVIEW_ROWS]:
        row = {
            # A CRM lead not yet stored in revops (dry run) has no local id.
            "lead_id": a.lead_id if a.lead_id > 0 else None,
            "lead": names.get(a.lead_id, ""),
            "rep_id": a.rep_id,
            "rep": prepared.names.get(a.rep_id, ""),
            "strategy": a.strategy,
            "reason": a.explanation.reason,
        }
        if a.lead_id in external:
            row["external_id"] = external[a.lead_id]
        rows.append(row)
    return rows


@transaction.atomic
def distribution_run(
    *,
    organization: Organization,
    prepared: Prepared,
    config: DistributionConfig | None = None,
    config_name: str = "",
    acting_user=None,
    job_run=None,
    progress: Progress | None = None,
) -> DistributionRun:
    """Plan (if not yet planned), record the run and apply it unless `prepared.options.dry_run`."""
    plan = prepared.plan or distribution_plan(prepared)
    dry = prepared.options.dry_run
    version = None
    if config is not None:
        # Two applied runs of one config at once would both read the same round-robin state.
        config = DistributionConfig.objects.select_for_update().get(pk=config.pk, organization=organization)
        version = DistributionConfigVersion.objects.filter(config=config, version=config.version).first()
    names = {lead.id: lead.name for lead in prepared.leads}
    external: dict[int, str] = {}
    failures: list[dict] = []
    if prepared.crm is not None:
        external = {fid: lead.external_id for fid, lead in prepared.crm.by_fact_id.items()}
        if not dry:
            applied = crm_apply(organization=organization, prepared=prepared, plan=plan)
            plan, failures, names, external = (
                applied.plan,
                applied.failures,
                applied.names,
                applied.external_ids,
            )
            # Callers (the command's report) see what was recorded: local ids, accepted leads.
            prepared.plan = plan
    counts = plan.counts()
    status = RunStatus.NOTHING if not plan.assignments else (RunStatus.PLANNED if dry else RunStatus.APPLIED)
    if failures:
        counts["failed"] = len(failures)
        status = RunStatus.PARTIAL if plan.assignments else RunStatus.FAILED
    o = prepared.options
    run = DistributionRun.objects.create(
        organization=organization,
        config=config,
        config_version=version,
        config_name=config.name if config else (config_name or prepared.doc.campaign.name),
        document=dump(prepared.doc),
        mode=RunMode.DRY_RUN if dry else RunMode.APPLIED,
        status=status,
        run_on=prepared.today,
        seed=plan.seed,
        strategies=list(plan.strategies),
        counts=counts,
        reps=_rep_rows(plan),
        exclusions=dict(Counter(e.reason for e in plan.excluded)),
        unassigned=list(plan.unassigned),
        preview=_preview(plan, prepared, names, external),
        options={
            "max_leads": o.max_leads,
            "start": o.start.isoformat() if o.start else None,
            "end": o.end.isoformat() if o.end else None,
            "force_round_robin": o.force_round_robin,
            "lead_source": prepared.doc.lead_source.type,
            **({"crm_calls": prepared.crm.calls} if prepared.crm is not None else {}),
        },
        failures=failures,
        job_run=job_run,
        started_by=acting_user if acting_user is not None and acting_user.is_authenticated else None,
        finished_at=timezone.now(),
    )
    if dry or not plan.assignments:
        return run
    _apply(
        record_explanations=prepared.doc.tracking.record_explanations,
        organization=organization,
        run=run,
        plan=plan,
        progress=progress,
        unowned_only=prepared.doc.lead_finding.only_unassigned,
    )
    if config is not None:
        config.state = state_to_json(plan.state)
        config.save(update_fields=["state", "updated_at"])
    return run


_OWNERS_FROM_RUN = (
    "UPDATE {lead} SET owner_id = a.rep_id, assigned_at = %s FROM {assignment} a "
    "WHERE a.run_id = %s AND {lead}.id = a.lead_id AND {lead}.organization_id = %s"
)


_OWNERS_FROM_ARRAYS = (
    "UPDATE {lead} SET owner_id = v.rep_id, assigned_at = %s "
    "FROM unnest(%s::bigint[], %s::bigint[]) AS v(lead_id, rep_id) "
    "WHERE {lead}.id = v.lead_id AND {lead}.organization_id = %s"
)


def _explanation(assignment, full: bool) -> dict:
    data = assignment.explanation.as_dict()
    if full:
        return data
    # tracking.record_explanations: false keeps only the strategy, the reason and the seed.
    return {k: data[k] for k in ("strategy", "reason", "seed")}


def _apply(
    *,
    organization: Organization,
    run: DistributionRun,
    plan: Plan,
    progress: Progress | None,
    unowned_only: bool,
    record_explanations: bool = True,
) -> None:
    """Write the assignments (one COPY on PostgreSQL) and set every lead's owner in one UPDATE."""
    total = len(plan.assignments)
    fields = ("organization_id", "lead_id", "rep_id", "run_id", "strategy", "explanation")
    if connection.vendor == "postgresql":
        # COPY reads jsonb from its text form.
        rows = (
            (
                organization.pk,
                a.lead_id,
                a.rep_id,
                run.pk,
                a.strategy,
                json.dumps(_explanation(a, record_explanations)),
            )
            for a in plan.assignments
        )
        bulk_insert(LeadAssignment, fields, rows)
    else:
        LeadAssignment.objects.bulk_create(
            (
                LeadAssignment(
                    organization=organization,
                    lead_id=a.lead_id,
                    rep_id=a.rep_id,
                    run=run,
                    strategy=a.strategy,
                    explanation=_explanation(a, record_explanations),
                )
                for a in plan.assignments
            ),
            batch_size=BATCH,
        )
    if progress:
        progress(total, total * 2)
    # Only identifiers of our own tables are formatted in; every value is a parameter.
    lead_table = Lead._meta.db_table
    if connection.vendor == "postgresql":
        # Two arrays unnested: the planner walks the lead primary key once per pair, whatever
        # its statistics of the rows just copied (a join on them can pick a runaway plan).
        sql = _OWNERS_FROM_ARRAYS.format(lead=lead_table)
        params = [
            timezone.now(),
            [a.lead_id for a in plan.assignments],
            [a.rep_id for a in plan.assignments],
            organization.pk,
        ]
    else:
        sql = _OWNERS_FROM_RUN.format(lead=lead_table, assignment=LeadAssignment._meta.db_table)
        params = [timezone.now(), run.pk, organization.pk]
    if unowned_only:
        sql += f" AND {lead_table}.owner_id IS NULL"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        changed = cursor.rowcount
    if changed != total:
        # Another run (or a person) took some of these leads since the plan was made.
        raise ApplicationError(
            "Some leads were assigned by someone else while this run was planned; nothing was applied. Run it again."
        )
    if progress:
        progress(total * 2, total * 2)
