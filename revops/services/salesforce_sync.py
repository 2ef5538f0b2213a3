"""The Salesforce sync: full or incremental, dry-run preview or real, as a JobRun.

For each object (accounts, partners, opportunities, then stage history) and each of its
segments in order, the sync reads
`SELECT Id, SystemModstamp, IsDeleted, <mapped fields> FROM <object> WHERE <segment, minus
earlier segments> [AND SystemModstamp >= <watermark>] ORDER BY SystemModstamp, Id` through
queryAll (so deletions arrive with `IsDeleted`), page by page. Each page is planned and written
in one transaction together with the segment's watermark (the newest SystemModstamp of the
page): a run that fails (Salesforce still refusing after the client's retries with backoff)
keeps every page before the failure, and the next incremental run resumes from there.

An incremental run re-reads the records stamped exactly at the watermark (`>=`: a record
written in the same millisecond as the last one read is not missed); they come back
unchanged. A full run reads everything and ends with the same watermarks.

A dry run (`dry_run=True`) writes no account, partner, opportunity, stage change or
watermark; it logs what each record would do. A connection's first real run requires a
succeeded preview.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from revops.connectors.errors import ConnectorError
from revops.connectors.salesforce import SalesforceClient, SalesforceSpec
from revops.env import env_secret
from revops.exceptions import ApplicationError
from revops.models import JobRun, Membership, OpportunityStageChange
from revops.models.salesforce import SalesforceConnection, SyncObject, SyncSegment, SyncWatermark
from revops.permissions import Cap, has_cap
from revops.salesforce_schema import soql_datetime
from revops.services.jobs import JobProgress, job_enqueue
from revops.services.salesforce_mapping import mapping_missing_required, mapping_rules
from revops.services.salesforce_segments import segment_where
from revops.services.salesforce_sync_pages import (
    MODELS,
    Owners,
    SegmentContext,
    log_write,
    page_apply,
    page_plan,
)
from revops.services.salesforce_sync_provided import provided, provided_page, provider_missing

SYNC_KIND = "salesforce.sync"
OBJECT_ORDER = (
    SyncObject.ACCOUNT,
    SyncObject.PARTNER,
    SyncObject.OPPORTUNITY,
    SyncObject.OPPORTUNITY_HISTORY,
    SyncObject.OPPORTUNITY_PARTNER,
    # Stored by other apps through providers (salesforce_sync_provided).
    SyncObject.CAMPAIGN,
    SyncObject.LEAD,
    SyncObject.CAMPAIGN_MEMBER,
)
NOT_ADMIN = "Only an administrator of the organization configures and runs the Salesforce sync."
PREVIEW_FIRST = "Run a preview (dry run) of this connection first; its first real sync follows a preview."
NO_CREDENTIALS = "The environment variable {name} named by the connection is not set."


class Mode:
    FULL = "full"
    INCREMENTAL = "incremental"


def connection_spec(connection: SalesforceConnection) -> SalesforceSpec:
    """The connection's client spec with the secrets read from the environment (or NAME_FILE)."""

    def secret(name: str) -> str:
        if not name:
            return ""
        value = env_secret(name, default="")
        if not value:
            raise ApplicationError(NO_CREDENTIALS.format(name=name))
        return value

    return SalesforceSpec(
        instance_url=connection.instance_url,
        api_version=connection.api_version,
        session_id=secret(connection.session_env),
        username=secret(connection.username_env),
        password=secret(connection.password_env),
        security_token=secret(connection.security_token_env) if connection.security_token_env else "",
        login_url=connection.login_url or "https://login.salesforce.com",
        max_retries=settings.SALESFORCE_SYNC_MAX_RETRIES,
        backoff_seconds=settings.SALESFORCE_SYNC_BACKOFF_SECONDS,
        ca_file=connection.ca_file,
    )


def connection_client(connection: SalesforceConnection) -> SalesforceClient:
    try:
        return SalesforceClient.from_spec(connection_spec(connection))
    except ConnectorError as exc:
        raise ApplicationError(f"Salesforce connection {connection.name}: {exc.message}") from None


def require_connection_admin(*, connection: SalesforceConnection, actor) -> None:
    if actor is None:
        return  # the scheduler
    if actor.is_superuser and actor.is_active:
        return
    membership = Membership.objects.filter(organization_id=connection.organization_id, user=actor).first()
    if not has_cap(membership, Cap.ADMIN_SITE):
        raise ApplicationError(NOT_ADMIN)


def preview_done(*, connection: SalesforceConnection) -> bool:
    return JobRun.objects.filter(
        organization_id=connection.organization_id,
        kind=SYNC_KIND,
        status=JobRun.Status.SUCCEEDED,
        params__connection_id=connection.pk,
        params__dry_run=True,
    ).exists()


def salesforce_sync_start(
    *,
    connection: SalesforceConnection,
    actor,
    mode: str = Mode.INCREMENTAL,
    dry_run: bool = False,
    key: str = "",
) -> tuple[JobRun, bool]:
    """Queue a sync (or preview) of the connection as a JobRun; (job, created).

    Refused for anyone but an organization admin (or the scheduler, `actor=None`), and for a
    real run of a connection never previewed. A sync of the connection already queued or
    running is returned instead of queueing a second one.
    """
    require_connection_admin(connection=connection, actor=actor)
    if mode not in (Mode.FULL, Mode.INCREMENTAL):
        raise ApplicationError(f"Unknown sync mode {mode!r}.")
    if not dry_run and not preview_done(connection=connection):
        raise ApplicationError(PREVIEW_FIRST)
    active = JobRun.objects.filter(
        organization_id=connection.organization_id,
        kind=SYNC_KIND,
        status__in=[JobRun.Status.QUEUED, JobRun.Status.RUNNING],
        params__connection_id=connection.pk,
    ).first()
    if active is not None:
        return active, False
    return job_enqueue(
        organization=connection.organization,
        kind=SYNC_KIND,
        idempotency_key=key or f"salesforce-sync:{connection.pk}:{uuid.uuid4().hex}",
        params={"connection_id": connection.pk, "mode": mode, "dry_run": dry_run},
        started_by=actor,
    )


def salesforce_sync_scheduled(*, connection_id: int) -> dict[str, str]:
    """The beat entry's work: queue the connection's incremental sync, once per hour."""
    connection = SalesforceConnection.objects.filter(pk=connection_id, enabled=True).first()
    if connection is None:
        return {"skipped": "no enabled connection"}
    hour = timezone.now().strftime("%Y%m%d%H")
    try:
        job, _created = salesforce_sync_start(
            connection=connection,
            actor=None,
            mode=Mode.INCREMENTAL,
            key=f"salesforce-sync:{connection.pk}:{hour}",
        )
    except ApplicationError as exc:
        return {"skipped": exc.message}
    return {"job": str(job.pk)}


def salesforce_sync_job_body(*, job: JobRun, progress: JobProgress) -> dict[str, Any]:
    connection = SalesforceConnection.objects.filter(
        organization_id=job.organization_id, pk=job.params.get("connection_id")
    ).first()
    if connection is None:
        raise ApplicationError("The Salesforce connection of this run no longer exists.")
    return salesforce_sync_run(
        connection=connection,
        job=job,
        progress=progress,
        mode=job.params.get("mode", Mode.INCREMENTAL),
        dry_run=bool(job.params.get("dry_run")),
    )


def _owners(client: SalesforceClient, connection: SalesforceConnection) -> Owners:
    members = Membership.objects.filter(organization_id=connection.organization_id, is_active=True)
    by_email = {email.lower(): uid for uid, email in members.values_list("user_id", "user__email") if email}
    sf_users = {
        str(r["Id"]): str(r.get("Email") or "")
        for r in client.query_iter("SELECT Id, Email FROM User", include_deleted=False)
    }
    return Owners(email_by_sf_id=sf_users, user_by_email=by_email)


def _soql(connection, sobject, rules, segment, earlier, since: dt.datetime | None) -> str:
    fields = ["Id", "SystemModstamp", "IsDeleted"]
    for rule in rules:
        if rule.salesforce_field and rule.salesforce_field not in fields:
            fields.append(rule.salesforce_field)
    table = connection.partner_object if sobject == SyncObject.PARTNER else sobject
    where = [w for w in (segment_where(segment, earlier),) if w]
    if since is not None:
        where.append(f"SystemModstamp >= {soql_datetime(since)}")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    # Field and object names are validated API names, values SOQL literals (salesforce_segments).
    return f"SELECT {', '.join(fields)} FROM {table}{clause} ORDER BY SystemModstamp ASC, Id ASC"  # noqa: S608


def _add(total: dict[str, int], part: dict[str, int]) -> None:
    for key, value in part.items():
        total[key] = total.get(key, 0) + value


def salesforce_sync_run(
    *,
    connection: SalesforceConnection,
    job: JobRun,
    progress: JobProgress,
    mode: str = Mode.INCREMENTAL,
    dry_run: bool = False,
    client: SalesforceClient | None = None,
) -> dict[str, Any]:
    """Run the sync now (the JobRun's body); counts per object and in total."""
    client = client or connection_client(connection)
    mappings = list(connection.mappings.all())
    segments = list(connection.segments.all())
    try:
        owners = _owners(client, connection)
    except ConnectorError as exc:
        raise ApplicationError(f"Salesforce: {exc.message}") from None
    totals: dict[str, int] = {}
    per_object: dict[str, dict[str, int]] = {}
    pending: dict[str, set[str]] = {}
    read = 0
    objects = [o for o in OBJECT_ORDER if any(m.sobject == o for m in mappings)]
    refused = [message for message in map(provider_missing, objects) if message]
    if refused:
        raise ApplicationError(" ".join(refused))
    for index, sobject in enumerate(objects):
        object_segments: list[SyncSegment | None] = [s for s in segments if s.sobject == sobject]
        if not object_segments or sobject == SyncObject.OPPORTUNITY_HISTORY:
            object_segments = [None]
        counts: dict[str, int] = {}
        for position, segment in enumerate(object_segments):
            rules = mapping_rules(connection=connection, sobject=sobject, segment=segment, rows=mappings)
            missing = mapping_missing_required(sobject=sobject, rules=rules)
            if missing:
                raise ApplicationError(f"{sobject}: no mapping for required field(s) {', '.join(missing)}.")
            watermark = SyncWatermark.objects.filter(
                connection=connection, sobject=sobject, segment=segment
            ).first()
            since = watermark.modstamp if watermark is not None and mode == Mode.INCREMENTAL else None
            earlier = [s for s in object_segments[:position] if s is not None]
            ctx = SegmentContext(
                organization_id=connection.organization_id,
                sobject=sobject,
                segment_name=segment.name if segment else "",
                rules=rules,
                owners=owners,
                owner_map={k.lower(): v.lower() for k, v in (segment.owner_map if segment else {}).items()},
                default_owner_id=(segment.default_owner_id if segment else None)
                or connection.default_owner_id,
                dry_run=dry_run,
                pending=pending,
                actor=job.started_by,
            )
            soql = _soql(connection, sobject, rules, segment, earlier, since)
            done = 0
            try:
                for page in client.query_pages(soql, include_deleted=True):
                    plan = (
                        None
                        if provided(sobject)
                        else page_plan(ctx, job.pk, page.records, timezone.localdate)
                    )
                    model = MODELS.get(sobject, OpportunityStageChange)
                    with transaction.atomic():
                        if plan is None:
                            # Another app's object: it writes its rows (a dry run: answers only).
                            plan = provided_page(ctx, job.pk, page.records)
                        if dry_run:
                            page_apply_log_only(plan, connection_id=connection.pk)
                        else:
                            page_apply(plan, model=model, connection_id=connection.pk)
                            if plan.newest is not None:
                                SyncWatermark.objects.update_or_create(
                                    organization_id=connection.organization_id,
                                    connection=connection,
                                    sobject=sobject,
                                    segment=segment,
                                    defaults={"modstamp": plan.newest},
                                )
                    _add(counts, plan.counts)
                    done += len(page.records)
                    read += len(page.records)
                    progress.report(
                        done=done,
                        total=page.total,
                        start=100 * index // len(objects),
                        span=100 // len(objects),
                        counts={"read": read, **totals, **counts},
                    )
            except ConnectorError as exc:
                raise ApplicationError(
                    f"Salesforce stopped the sync of {sobject}"
                    f"{' (segment ' + segment.name + ')' if segment else ''} after {done} records: {exc.message}. "
                    "Pages before it are saved; the next incremental run resumes there."
                ) from None
        per_object[sobject] = counts
        _add(totals, counts)
    if not dry_run:
        SalesforceConnection.objects.filter(pk=connection.pk).update(last_synced_at=timezone.now())
    return {"mode": mode, "dry_run": dry_run, "read": read, **totals, "objects": per_object}


def page_apply_log_only(plan, *, connection_id: int) -> None:
    """A dry run writes only its log (what each record would do)."""
    log_write(plan.log, connection_id=connection_id)
