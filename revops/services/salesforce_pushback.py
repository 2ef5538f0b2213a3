"""Push-back of partner attribution results to a Salesforce custom object (off by default).

A connection whose `pushback_object` is set (e.g. `Revops_Attribution__c`) names the object's
fields for partner, deal, role, split %, amount, period and an external id. A run (a JobRun,
`salesforce.pushback`) reads the results of each asked fiscal period through the core's
`attribution_results` provider (partner attribution registers it; the core may not import it)
and upserts them by external id, 200 a call (`composite/sobjects/<Object>/<Field>`):

- The key is deterministic: `<organization id>-<deal's Salesforce id>-<partner key>-<role>-<YYYY-MM>`
  (partner key: the partner's Salesforce id, else `p<our id>`), so a second run updates the
  same records and creates none. A closed period takes no new ledger entries: it pushes the
  same figures every time.
- A result whose ledger entries net to zero (reversed) is pushed with amount 0 and split 0:
  the record stays, saying the partner has nothing for that deal and period (never deleted,
  so reports in Salesforce keep the history).
- Only deals that came from Salesforce (an `external_id`) are pushed; the others are logged as
  skipped. Rate limits and 5xx are retried with backoff by the client, batch by batch; when
  Salesforce still refuses, the run fails saying after how many records (those before it are
  written and logged; a new run upserts them again without creating any).
- One log row per record (created, updated, skipped, error), readable in the admin.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.utils import timezone

from revops.connectors.errors import ConnectorError
from revops.connectors.salesforce import SalesforceClient
from revops.exceptions import ApplicationError
from revops.models import FiscalPeriod, JobRun, Opportunity, Partner
from revops.models.salesforce import PUSHBACK_FIELDS, PushbackAction, PushbackLogEntry, SalesforceConnection
from revops.providers import attribution_results
from revops.selectors.periods import add_months, organization_today
from revops.services.jobs import JobProgress, job_enqueue
from revops.services.salesforce_sync import connection_client, require_connection_admin

PUSHBACK_KIND = "salesforce.pushback"
NOT_CONFIGURED = "Name the push-back object of this connection first (push-back is off)."
NO_PERIOD = "No fiscal period to push: create the organization's periods first."
# The sObject Collections limit: 200 records per upsert call.
BATCH = 200


def pushback_periods(*, connection: SalesforceConnection) -> list[FiscalPeriod]:
    """The default periods of a run: the previous and the current one (late corrections of a
    month that is closing are pushed the next day too)."""
    today = organization_today(connection.organization)
    starts = [add_months(today.replace(day=1), -1), today.replace(day=1)]
    return list(
        FiscalPeriod.objects.filter(
            organization_id=connection.organization_id, start_date__in=starts
        ).order_by("start_date")
    )


def salesforce_pushback_start(
    *,
    connection: SalesforceConnection,
    actor,
    periods: list[FiscalPeriod] | None = None,
    key: str = "",
) -> tuple[JobRun, bool]:
    """Queue a push-back of the periods' results (default: previous and current); (job, created).

    Only organization admins (or the scheduler, `actor=None`) push; a connection without a
    push-back object is refused. A push-back of the connection already queued or running is
    returned instead of a second one.
    """
    require_connection_admin(connection=connection, actor=actor)
    if not connection.pushback_object:
        raise ApplicationError(NOT_CONFIGURED)
    periods = pushback_periods(connection=connection) if periods is None else periods
    if not periods or any(p.organization_id != connection.organization_id for p in periods):
        raise ApplicationError(NO_PERIOD)
    active = JobRun.objects.filter(
        organization_id=connection.organization_id,
        kind=PUSHBACK_KIND,
        status__in=[JobRun.Status.QUEUED, JobRun.Status.RUNNING],
        params__connection_id=connection.pk,
    ).first()
    if active is not None:
        return active, False
    return job_enqueue(
        organization=connection.organization,
        kind=PUSHBACK_KIND,
        idempotency_key=key or f"salesforce-pushback:{connection.pk}:{uuid.uuid4().hex}",
        params={"connection_id": connection.pk, "period_ids": [p.pk for p in periods]},
        started_by=actor,
    )


def salesforce_pushback_scheduled(*, connection_id: int) -> dict[str, str]:
    """The beat entry's work: queue the day's push-back of an enabled connection, once a day."""
    connection = SalesforceConnection.objects.filter(
        pk=connection_id, enabled=True, pushback_scheduled=True
    ).first()
    if connection is None:
        return {"skipped": "no enabled push-back"}
    day = timezone.now().strftime("%Y%m%d")
    try:
        job, _created = salesforce_pushback_start(
            connection=connection, actor=None, key=f"salesforce-pushback:{connection.pk}:{day}"
        )
    except ApplicationError as exc:
        return {"skipped": exc.message}
    return {"job": str(job.pk)}


def salesforce_pushback_job_body(*, job: JobRun, progress: JobProgress) -> dict[str, Any]:
    connection = SalesforceConnection.objects.filter(
        organization_id=job.organization_id, pk=job.params.get("connection_id")
    ).first()
    if connection is None:
        raise ApplicationError("The Salesforce connection of this run no longer exists.")
    periods = list(
        FiscalPeriod.objects.filter(
            organization_id=job.organization_id, pk__in=job.params.get("period_ids") or []
        ).order_by("start_date")
    )
    return salesforce_pushback_run(connection=connection, job=job, progress=progress, periods=periods)


def pushback_fields_check(*, connection: SalesforceConnection, client: SalesforceClient) -> None:
    """Refuse, naming them, an object or fields Salesforce does not have (one describe call)."""
    try:
        described = client.describe(connection.pushback_object)
    except ConnectorError as exc:
        raise ApplicationError(
            f"Salesforce has no object {connection.pushback_object} to push to: {exc.message}"
        ) from None
    fields = {f["name"]: f for f in described.get("fields", [])}
    wanted = [getattr(connection, name) for name in PUSHBACK_FIELDS]
    missing = [name for name in wanted if name not in fields]
    if missing:
        raise ApplicationError(
            f"Salesforce's {connection.pushback_object} has no field {', '.join(missing)}."
        )
    key_field = connection.pushback_external_id_field
    if not fields[key_field].get("externalId"):
        raise ApplicationError(f"{connection.pushback_object}.{key_field} is not an external id field.")


def _records(connection: SalesforceConnection, period: FiscalPeriod) -> tuple[list[dict], list[str]]:
    """The period's results as custom-object records, and the keys of results not pushable."""
    org_id = connection.organization_id
    results = attribution_results(connection.organization, period_id=period.pk)
    deals = dict(
        Opportunity.objects.filter(
            organization_id=org_id, pk__in={r.opportunity_id for r in results}
        ).values_list("id", "external_id")
    )
    partners = dict(
        Partner.objects.filter(organization_id=org_id, pk__in={r.partner_id for r in results}).values_list(
            "id", "external_id"
        )
    )
    label = f"{period.start_date:%Y-%m}"
    records, skipped = [], []
    for result in results:
        partner_key = partners.get(result.partner_id) or f"p{result.partner_id}"
        deal_sf_id = deals.get(result.opportunity_id) or ""
        if not deal_sf_id:
            skipped.append(f"{org_id}-deal{result.opportunity_id}-{partner_key}-{result.role}-{label}")
            continue
        records.append(
            {
                connection.pushback_external_id_field: f"{org_id}-{deal_sf_id}-{partner_key}-{result.role}-{label}",
                connection.pushback_partner_field: partner_key,
                connection.pushback_opportunity_field: deal_sf_id,
                connection.pushback_role_field: result.role,
                # Two-decimal Decimals as JSON numbers: their shortest float repr is exact.
                connection.pushback_split_field: float(result.split_percent),
                connection.pushback_amount_field: float(result.amount.quantize(Decimal("0.01"))),
                connection.pushback_period_field: label,
            }
        )
    return records, skipped


def salesforce_pushback_run(
    *,
    connection: SalesforceConnection,
    job: JobRun,
    progress: JobProgress,
    periods: list[FiscalPeriod],
    client: SalesforceClient | None = None,
) -> dict[str, Any]:
    """Upsert the periods' results (the JobRun's body); counts of created, updated, skipped, error."""
    if not connection.pushback_object:
        raise ApplicationError(NOT_CONFIGURED)
    client = client or connection_client(connection)
    pushback_fields_check(connection=connection, client=client)
    key_field = connection.pushback_external_id_field
    counts = {"created": 0, "updated": 0, "skipped": 0, "error": 0}
    planned = [(period, *_records(connection, period)) for period in periods]
    total = sum(len(records) + len(skipped) for _p, records, skipped in planned)
    done = 0
    for period, records, skipped in planned:
        log = [
            _entry(connection, job, period, key, PushbackAction.SKIPPED, "the deal is not from Salesforce")
            for key in skipped
        ]
        counts["skipped"] += len(skipped)
        done += len(skipped)
        PushbackLogEntry.objects.bulk_create(log)
        for start in range(0, len(records), BATCH):
            chunk = records[start : start + BATCH]
            try:
                outcomes = client.upsert_many(connection.pushback_object, key_field, chunk)
            except ConnectorError as exc:
                raise ApplicationError(
                    f"Salesforce stopped the push-back after {done} records: {exc.message}. "
                    "The records before it are written; a new run upserts them again."
                ) from None
            entries = []
            for record, outcome in zip(chunk, outcomes, strict=True):
                if outcome.ok:
                    action = PushbackAction.CREATE if outcome.created else PushbackAction.UPDATE
                    counts["created" if outcome.created else "updated"] += 1
                else:
                    action = PushbackAction.ERROR
                    counts["error"] += 1
                entries.append(
                    _entry(
                        connection,
                        job,
                        period,
                        outcome.key,
                        action,
                        outcome.message,
                        record,
                        outcome.record_id,
                    )
                )
            PushbackLogEntry.objects.bulk_create(entries)
            done += len(chunk)
            progress.report(done=done, total=total, counts=dict(counts))
    return {"periods": [f"{p.start_date:%Y-%m}" for p in periods], "read": total, **counts}


def _entry(connection, job, period, key, action, message, values=None, record_id="") -> PushbackLogEntry:
    return PushbackLogEntry(
        organization_id=connection.organization_id,
        connection=connection,
        job=job,
        period=period,
        external_key=key[:255],
        action=action,
        salesforce_id=record_id[:18],
        message=message[:2000],
        values=values or {},
    )
