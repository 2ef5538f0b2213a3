"""One page of Salesforce records into revops rows: plan per record, then bulk writes.

`page_plan` turns a page into creates, updates, deletes, conflicts and errors (reading our
rows in a few queries per page, never one per record); `page_apply` writes the plan with
`bulk_create` / `bulk_update` in batches. A dry run plans and logs only.

Per field, a differing value is taken from Salesforce unless the field's conflict policy keeps
ours: `revops` keeps a non-empty revops value; `newest` keeps it when our row changed after the
Salesforce record (`updated_at` later than `SystemModstamp`). A kept value is a conflict, logged
with both values. Rows written by the sync take the Salesforce record's `SystemModstamp` as
their `updated_at`, so a later local edit is recognisably newer.

Deleted in Salesforce (queryAll, `IsDeleted`): an open opportunity is closed lost (close date:
the day of the deletion); a partner is made inactive; an account is kept (accounts have no
inactive state), and the deletion is logged. Stage history is insert-only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, models

from revops.bulk import bulk_insert, rows_by_key
from revops.models import Account, Opportunity, OpportunityStageChange, Partner
from revops.models.crm import CLOSED_STAGES, Stage
from revops.models.salesforce import ConflictPolicy, SyncAction, SyncLogEntry, SyncObject
from revops.salesforce_schema import Rule, TransformError, parse_date
from revops.services.salesforce_partner_links import partner_links_plan

BATCH = 1000
MODELS: dict[str, type[models.Model]] = {
    SyncObject.ACCOUNT: Account,
    SyncObject.PARTNER: Partner,
    SyncObject.OPPORTUNITY: Opportunity,
}
# Foreign keys resolved by the sync, not validated by clean_fields (that would query per record).
REFERENCES = ["organization", "account", "owner", "product_line"]


@dataclass
class Owners:
    """Salesforce user id → revops user id, through the Salesforce user's e-mail."""

    email_by_sf_id: dict[str, str]
    user_by_email: dict[str, int]

    def resolve(self, sf_id: str, owner_map: dict[str, str], default: int | None) -> int | None:
        email = self.email_by_sf_id.get(sf_id, "").lower()
        email = owner_map.get(email, email).lower()
        return self.user_by_email.get(email, default)


@dataclass
class SegmentContext:
    organization_id: int
    sobject: str
    segment_name: str
    rules: list[Rule]
    owners: Owners
    owner_map: dict[str, str]
    default_owner_id: int | None
    dry_run: bool
    # Salesforce ids a dry run would create (references to them are not errors in a preview).
    pending: dict[str, set[str]]
    # Opportunity id → its last stage seen in this run (the next change's from-stage).
    last_stage: dict[int, str] = field(default_factory=dict)
    # The model fields the rules write (validated per record; the others keep their defaults).
    checked: frozenset[str] = frozenset()
    # Who started the run (None: the scheduler); links written for OpportunityPartner name them.
    actor: Any = None

    def __post_init__(self) -> None:
        self.checked = frozenset(r.target_field for r in self.rules) | {"close_date", "stage", "status"}


# Columns of a sync log row as `page_apply` writes them (the connection first, then `LogRow`).
LOG_FIELDS = (
    "connection_id",
    "organization_id",
    "job_id",
    "dry_run",
    "sobject",
    "segment_name",
    "salesforce_id",
    "action",
    "message",
    "changes",
)


class LogRow(NamedTuple):
    """One sync log row before it is written (a plain tuple: the bulk writer takes it as it is)."""

    organization_id: int
    job_id: int
    dry_run: bool
    sobject: str
    segment_name: str
    salesforce_id: str
    action: str
    message: str
    changes: dict


@dataclass
class PagePlan:
    # New rows of `create_fields` (plain tuples for the bulk writer); stage changes are instances.
    creates: list[Any] = field(default_factory=list)
    create_fields: tuple[str, ...] = ()
    updates: list[models.Model] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)
    log: list[LogRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    newest: dt.datetime | None = None
    # Writes that are not rows of the page's model (deal–partner links through their provider),
    # run by `page_apply` inside the page's transaction.
    deferred: Callable[[], None] | None = None

    def note(
        self,
        ctx: SegmentContext,
        job_id: int,
        sf_id: str,
        action: str,
        message: str = "",
        changes=None,
        *,
        counted: str = "",
    ):
        key = counted or str(action)
        self.counts[key] = self.counts.get(key, 0) + 1
        if action == SyncAction.UNCHANGED and not ctx.dry_run:
            return  # counted, not logged: a real run logs what it changed and what it refused
        self.log.append(
            LogRow(
                ctx.organization_id,
                job_id,
                ctx.dry_run,
                ctx.sobject,
                ctx.segment_name,
                sf_id[:18],
                str(action),
                message[:2000],
                changes or {},
            )
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal | dt.date):
        return str(value)
    return value


def _modstamp(record: dict) -> dt.datetime:
    moment = parse_date(record.get("SystemModstamp"), "SystemModstamp", want_datetime=True)
    if not isinstance(moment, dt.datetime):
        raise TransformError("SystemModstamp: missing")
    return moment


def _keyed(ctx: SegmentContext, keys: list[str]) -> dict[str, Any]:
    return {"organization_id": ctx.organization_id, "key": "external_id", "keys": keys}


def _resolve_refs(ctx: SegmentContext, records: list[dict]) -> dict[str, dict[str, Any]]:
    """Our ids for the Salesforce ids the page's reference fields name (one query per kind)."""
    wanted: dict[str, set[str]] = {"account": set(), "opportunity": set()}
    for rule in ctx.rules:
        if rule.kind in wanted:
            wanted[rule.kind].update(str(r.get(rule.salesforce_field) or "") for r in records)
    found: dict[str, dict[str, Any]] = {"account": {}, "opportunity": {}}
    if wanted["account"] - {""}:
        found["account"] = dict(
            rows_by_key(Account, **_keyed(ctx, sorted(wanted["account"] - {""})), columns=("id",))
        )
    if wanted["opportunity"] - {""}:
        found["opportunity"] = {
            ext: (pk, amount)
            for ext, pk, amount in Opportunity.objects.filter(
                organization_id=ctx.organization_id, external_id__in=wanted["opportunity"] - {""}
            )
            .exclude(external_id="")
            .values_list("external_id", "id", "amount")
        }
    return found


def _values(ctx: SegmentContext, record: dict, refs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The record's mapped values as model attributes (`account_id`, `owner_id`, …)."""
    values: dict[str, Any] = {}
    for rule in ctx.rules:
        value = rule.apply(record)
        if rule.kind == "owner":
            values["owner_id"] = (
                ctx.owners.resolve(value, ctx.owner_map, ctx.default_owner_id)
                if value
                else (ctx.default_owner_id)
            )
        elif rule.kind == "account":
            if value in refs["account"]:
                values["account_id"] = refs["account"][value]
            elif value and value in ctx.pending.get(SyncObject.ACCOUNT, set()):
                values["account_id"] = None  # created by the same preview
            else:
                raise TransformError(f"{rule.salesforce_field}: account {value or '(empty)'} is not synced")
        elif rule.kind == "opportunity":
            values["opportunity"] = value
        elif value is None or value == "":
            if rule.target_field in ("name", "stage", "to_stage", "changed_at", "created_date"):
                raise TransformError(f"{rule.salesforce_field or rule.target_field}: empty")
            values[rule.target_field] = None if rule.kind in ("date", "datetime", "money") else ""
        else:
            values[rule.target_field] = value
    return values


_UNCHECKED: dict[tuple[type[models.Model], frozenset[str]], list[str]] = {}


def _check(obj: models.Model, fields: frozenset[str] | None = None) -> None:
    """The model's field checks on the mapped fields (all but references when None), and clean()."""
    key = (type(obj), fields or frozenset())
    exclude = _UNCHECKED.get(key)
    if exclude is None:
        names = [f.name for f in obj._meta.concrete_fields]
        exclude = [
            n
            for n in names
            if n in REFERENCES or n == "external_id" or (fields is not None and n not in fields)
        ]
        _UNCHECKED[key] = exclude
    obj.clean_fields(exclude=exclude)
    obj.clean()


class NewRowCheck:
    """`_check` for a new row without a model instance: the mapped fields' checks and clean().

    The same field checks `clean_fields` runs (`Field.clean`: conversion, choices, blank,
    validators, max length), on the values only, then the model's `clean()` on a plain object
    holding the model's defaults and the values (`clean()` reads its own row's fields only).
    Building a model instance per record cost more than the insert itself.
    """

    def __init__(self, model: type[models.Model], names: Iterable[str], checked: frozenset[str]) -> None:
        meta = model._meta
        self.clean = model.clean
        self.fields: list[tuple[str, models.Field]] = [
            (name, model_field)
            for name in names
            if name in checked
            and name not in REFERENCES
            and name != "external_id"
            and isinstance(model_field := meta.get_field(name), models.Field)
        ]
        self.defaults = {
            f.attname: f.get_default()
            for f in meta.concrete_fields
            if not f.primary_key and f.name not in names
        }

    def __call__(self, values: dict[str, Any]) -> None:
        errors: dict[str, list[str]] = {}
        for name, model_field in self.fields:
            try:
                values[name] = model_field.clean(values[name], None)
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)
        self.clean(SimpleNamespace(**{**self.defaults, **values}))  # type: ignore[arg-type]


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc)


def page_plan(
    ctx: SegmentContext, job_id: int, records: list[dict], today: Callable[[], dt.date]
) -> PagePlan:
    """What the page does to our rows (nothing written yet)."""
    plan = PagePlan()
    if ctx.sobject == SyncObject.OPPORTUNITY_HISTORY:
        return _history_plan(ctx, job_id, records, plan)
    if ctx.sobject == SyncObject.OPPORTUNITY_PARTNER:
        return partner_links_plan(ctx, job_id, records, plan, _modstamp, _error_text)
    model = MODELS[ctx.sobject]
    ids = [str(r.get("Id") or "") for r in records]
    # Which records exist here: one keyed read per page (one array parameter on PostgreSQL),
    # then instances only of those (none in a first full sync).
    found = [pk for _ext, pk in rows_by_key(model, **_keyed(ctx, ids), columns=("id",))]
    existing = (
        {
            obj.external_id: obj  # type: ignore[attr-defined]
            for obj in model._default_manager.filter(pk__in=found)
        }
        if found
        else {}
    )
    refs = _resolve_refs(ctx, records)
    plan.create_fields = create_fields(ctx)
    check = NewRowCheck(model, plan.create_fields, ctx.checked)
    for record in records:
        sf_id = str(record.get("Id") or "")
        try:
            stamp = _modstamp(record)
            plan.newest = stamp if plan.newest is None or stamp > plan.newest else plan.newest
            if record.get("IsDeleted"):
                _plan_delete(ctx, job_id, plan, existing.get(sf_id), sf_id, stamp)
                continue
            values = _values(ctx, record, refs)
            current = existing.get(sf_id)
            if current is None:
                _plan_create(ctx, job_id, plan, check, sf_id, values)
            else:
                _plan_update(ctx, job_id, plan, current, sf_id, values, stamp)
        except (TransformError, ValidationError) as exc:
            plan.note(ctx, job_id, sf_id or "(no Id)", SyncAction.ERROR, _error_text(exc))
    return plan


def _closing(values: dict[str, Any]) -> None:
    # Salesforce's CloseDate is the expected date while open, the actual one once closed.
    if values.get("stage") in CLOSED_STAGES and not values.get("close_date"):
        values["close_date"] = values.get("expected_close_date")


def create_fields(ctx: SegmentContext) -> tuple[str, ...]:
    """The columns of a new row: what the rules write (`_values`' keys), then the row's identity."""
    names: list[str] = []
    for rule in ctx.rules:
        name = {"owner": "owner_id", "account": "account_id"}.get(rule.kind, rule.target_field)
        if name not in names:
            names.append(name)
    if ctx.sobject == SyncObject.OPPORTUNITY and "close_date" not in names:
        names.append("close_date")  # `_closing` fills it for a closed deal
    return (*names, "organization_id", "external_id")


def _plan_create(ctx, job_id, plan, check: NewRowCheck, sf_id, values) -> None:
    if ctx.sobject == SyncObject.OPPORTUNITY:
        _closing(values)
        values.setdefault("close_date", None)
    check(values)
    if ctx.sobject == SyncObject.OPPORTUNITY and values.get("account_id") is None and not ctx.dry_run:
        raise TransformError("AccountId: account not synced")
    names = plan.create_fields[:-2]
    plan.creates.append((*(values[n] for n in names), ctx.organization_id, sf_id))
    ctx.pending.setdefault(ctx.sobject, set()).add(sf_id)
    # A preview shows the values; a real run's log points at the row, which holds them.
    changes = {k: _jsonable(v) for k, v in values.items()} if ctx.dry_run else None
    plan.note(ctx, job_id, sf_id, SyncAction.CREATE, changes=changes)


def _plan_update(ctx, job_id, plan, obj, sf_id, values, stamp) -> None:
    if ctx.sobject == SyncObject.OPPORTUNITY:
        _closing(values)
    policy = {r.target_field: r.conflict_policy for r in ctx.rules}
    policy.update({f"{k}_id": v for k, v in list(policy.items())})
    changes: dict[str, list] = {}
    conflicts: dict[str, list] = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old == new:
            continue
        rule = policy.get(name, ConflictPolicy.SALESFORCE_WINS)
        keep_ours = old not in (None, "") and (
            rule == ConflictPolicy.REVOPS_WINS or (rule == ConflictPolicy.NEWEST and obj.updated_at > stamp)
        )
        if keep_ours:
            conflicts[name] = [_jsonable(old), _jsonable(new)]
        else:
            changes[name] = [_jsonable(old), _jsonable(new)]
    if changes:
        before = {name: getattr(obj, name) for name in changes}
        for name in changes:
            setattr(obj, name, values[name])
        try:
            _check(obj, ctx.checked)
        except ValidationError:
            for name, value in before.items():
                setattr(obj, name, value)
            raise
        obj.updated_at = stamp
        plan.updates.append(obj)
        plan.update_fields.update(changes)
        plan.note(
            ctx,
            job_id,
            sf_id,
            SyncAction.UPDATE,
            changes={**changes, **{"kept": conflicts}} if conflicts else changes,
        )
        if conflicts:
            plan.counts[str(SyncAction.CONFLICT)] = plan.counts.get(str(SyncAction.CONFLICT), 0) + 1
    elif conflicts:
        plan.note(ctx, job_id, sf_id, SyncAction.CONFLICT, "revops value kept", changes=conflicts)
    else:
        plan.note(ctx, job_id, sf_id, SyncAction.UNCHANGED)


def _plan_delete(ctx, job_id, plan, obj, sf_id, stamp) -> None:
    if obj is None:
        return  # never synced here: nothing to do, nothing to log
    if isinstance(obj, Opportunity):
        if obj.stage in CLOSED_STAGES:
            plan.note(ctx, job_id, sf_id, SyncAction.UNCHANGED)
            return
        changes = {
            "stage": [obj.stage, Stage.CLOSED_LOST],
            "close_date": [_jsonable(obj.close_date), str(stamp.date())],
        }
        obj.stage, obj.close_date = Stage.CLOSED_LOST, max(stamp.date(), obj.created_date)
        plan.update_fields.update({"stage", "close_date"})
    elif isinstance(obj, Partner):
        if obj.status == Partner.Status.INACTIVE:
            plan.note(ctx, job_id, sf_id, SyncAction.UNCHANGED)
            return
        changes = {"status": [obj.status, Partner.Status.INACTIVE]}
        obj.status = Partner.Status.INACTIVE
        plan.update_fields.add("status")
    else:
        plan.note(ctx, job_id, sf_id, SyncAction.DELETE, "deleted in Salesforce; the account is kept")
        return
    obj.updated_at = stamp
    plan.updates.append(obj)
    plan.note(ctx, job_id, sf_id, SyncAction.DELETE, changes=changes)


def _history_plan(ctx: SegmentContext, job_id: int, records: list[dict], plan: PagePlan) -> PagePlan:
    refs = _resolve_refs(ctx, records)
    opp_ids = [pk for pk, _amount in refs["opportunity"].values()]
    have = set(
        OpportunityStageChange.objects.filter(opportunity_id__in=opp_ids).values_list(
            "opportunity_id", "changed_at"
        )
    )
    for opp_id, stage in (
        OpportunityStageChange.objects.filter(opportunity_id__in=opp_ids)
        .order_by("opportunity_id", "changed_at", "id")
        .values_list("opportunity_id", "to_stage")
    ):
        ctx.last_stage.setdefault(opp_id, "")
        ctx.last_stage[opp_id] = stage
    for record in records:
        sf_id = str(record.get("Id") or "")
        try:
            stamp = _modstamp(record)
            plan.newest = stamp if plan.newest is None or stamp > plan.newest else plan.newest
            if record.get("IsDeleted"):
                continue
            values = _values(ctx, record, refs)
            opp_sf_id = values.pop("opportunity")
            found = refs["opportunity"].get(opp_sf_id)
            if found is None and opp_sf_id in ctx.pending.get(SyncObject.OPPORTUNITY, set()):
                stage = values["to_stage"]
                plan.note(ctx, job_id, sf_id, SyncAction.CREATE, "with its new opportunity", {"stage": stage})
                continue  # a preview: the opportunity would be created by this run
            if found is None:
                plan.counts["skipped"] = plan.counts.get("skipped", 0) + 1
                continue  # an opportunity this connection does not sync (another segment's filter)
            opp_id, opp_amount = found
            if (opp_id, values["changed_at"]) in have:
                plan.note(ctx, job_id, sf_id, SyncAction.UNCHANGED)
                continue
            previous = ctx.last_stage.get(opp_id, "")
            if previous == values["to_stage"]:
                plan.note(ctx, job_id, sf_id, SyncAction.UNCHANGED, "amount or date change only")
                continue
            amount: Decimal = values["amount"] if values.get("amount") is not None else opp_amount
            change = OpportunityStageChange(
                organization_id=ctx.organization_id,
                opportunity_id=opp_id,
                from_stage=previous,
                to_stage=values["to_stage"],
                amount=amount,
                changed_at=values["changed_at"],
            )
            _check(change)
            ctx.last_stage[opp_id] = values["to_stage"]
            have.add((opp_id, values["changed_at"]))
            plan.creates.append(change)
            plan.note(
                ctx, job_id, sf_id, SyncAction.CREATE, changes={"stage": [previous, values["to_stage"]]}
            )
        except (TransformError, ValidationError) as exc:
            plan.note(ctx, job_id, sf_id or "(no Id)", SyncAction.ERROR, _error_text(exc))
    return plan


def page_apply(plan: PagePlan, *, model: type[models.Model], connection_id: int) -> None:
    """Write the plan: creates, updates and the log (the caller holds the transaction).

    New rows and log rows go through `bulk_insert` (COPY on PostgreSQL) as plain tuples; new
    stage changes (instances, few) and updates through the ORM in batches.
    """
    if plan.deferred is not None:
        plan.deferred()
    if plan.creates and plan.create_fields:
        bulk_insert(model, plan.create_fields, plan.creates)
    elif plan.creates:
        model._default_manager.bulk_create(plan.creates, batch_size=BATCH)
    if plan.updates:
        fields = sorted(plan.update_fields | {"updated_at"})
        model._default_manager.bulk_update(plan.updates, fields, batch_size=BATCH)
    log_write(plan.log, connection_id=connection_id)


def log_write(rows: list[LogRow], *, connection_id: int) -> None:
    """The page's sync log rows, one per record logged, in one bulk insert."""
    postgres = connection.vendor == "postgresql"
    bulk_insert(
        SyncLogEntry,
        LOG_FIELDS,
        (
            # COPY reads jsonb from its text form; elsewhere the field prepares the value.
            (connection_id, *row[:-1], json.dumps(row.changes) if postgres else row.changes)
            for row in rows
        ),
    )
