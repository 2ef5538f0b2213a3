"""Revenue events: import a CSV file all-or-nothing, idempotent by external id, then post it."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction

from attribution.models import RevenueEvent
from attribution.services.recompute import RecomputeResult, attribution_recompute
from revops.models import Account, Membership, Opportunity, Organization
from revops.money import quantize_money
from revops.permissions import Cap, has_cap
from revops.services.audit import audit_record

IMPORT_COLUMNS = ("account_external_id", "opportunity_external_id", "date", "amount", "external_id")
MAX_EXTERNAL_ID = 64


class RevenueImportError(Exception):
    """The file was refused; `errors` name the line and the field of every problem."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s); nothing was imported")
        self.errors = errors


@dataclass
class RevenueImportResult:
    created: int = 0
    skipped: int = 0
    posting: RecomputeResult | None = None
    event_ids: list[int] = field(default_factory=list)


def _parse_row(
    line: int, row: dict, accounts: dict[str, int], deals: dict[str, tuple[int, int]], errors: list[str]
) -> dict | None:
    def error(column: str, message: str) -> None:
        errors.append(f"line {line}: {column}: {message}")

    before = len(errors)
    external_id = (row.get("external_id") or "").strip()
    if not external_id:
        error("external_id", "is required")
    elif len(external_id) > MAX_EXTERNAL_ID:
        error("external_id", f"is longer than {MAX_EXTERNAL_ID} characters")
    account_key = (row.get("account_external_id") or "").strip()
    deal_key = (row.get("opportunity_external_id") or "").strip()
    account_id = deal_id = None
    if not account_key and not deal_key:
        error("account_external_id", "give an account_external_id or an opportunity_external_id")
    if deal_key:
        if deal_key not in deals:
            error("opportunity_external_id", f"no opportunity with external id {deal_key!r}")
        else:
            deal_id, account_id = deals[deal_key]
    if account_key:
        if account_key not in accounts:
            error("account_external_id", f"no account with external id {account_key!r}")
        elif deal_id is not None and accounts[account_key] != account_id:
            error("account_external_id", "is not the account of the opportunity")
        else:
            account_id = accounts[account_key]
    try:
        day = dt.date.fromisoformat((row.get("date") or "").strip())
    except ValueError:
        error("date", f"{row.get('date')!r} is not a date (YYYY-MM-DD)")
        day = None
    try:
        amount = Decimal((row.get("amount") or "").strip())
        if not amount.is_finite() or amount != quantize_money(amount) or abs(amount) >= Decimal("1e16"):
            raise InvalidOperation
    except InvalidOperation:
        error("amount", f"{row.get('amount')!r} is not an amount with at most 2 decimal places")
        amount = None
    if len(errors) > before:
        return None
    return {
        "external_id": external_id,
        "account_id": account_id,
        "opportunity_id": deal_id,
        "date": day,
        "amount": amount,
    }


def revenue_events_import(
    *, organization: Organization, lines: Iterable[str], actor=None, post: bool = True
) -> RevenueImportResult:
    """Import revenue events from CSV text lines; all rows are valid or nothing is written.

    Rows whose external id is already imported are skipped, so importing a file twice adds
    nothing. With `post`, the new events are attributed in the same transaction.
    """
    reader = csv.DictReader(lines)
    missing = [c for c in ("date", "amount", "external_id") if c not in (reader.fieldnames or [])]
    if missing:
        raise RevenueImportError([f"line 1: {c}: missing column" for c in missing])
    accounts = dict(
        Account.objects.filter(organization=organization)
        .exclude(external_id="")
        .values_list("external_id", "id")
    )
    deals = {
        ext: (pk, account_id)
        for ext, pk, account_id in Opportunity.objects.filter(organization=organization)
        .exclude(external_id="")
        .values_list("external_id", "id", "account_id")
    }
    errors: list[str] = []
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        item = _parse_row(line, row, accounts, deals, errors)
        if item is None:
            continue
        if item["external_id"] in seen:
            errors.append(
                f"line {line}: external_id: {item['external_id']!r} repeats line {seen[item['external_id']]}"
            )
            continue
        seen[item["external_id"]] = line
        parsed.append(item)
    if errors:
        raise RevenueImportError(errors)
    result = RevenueImportResult()
    with transaction.atomic():
        existing = set(
            RevenueEvent.objects.filter(organization=organization, external_id__in=list(seen)).values_list(
                "external_id", flat=True
            )
        )
        new = [
            RevenueEvent(organization=organization, source=RevenueEvent.Source.IMPORT, **item)
            for item in parsed
            if item["external_id"] not in existing
        ]
        created = RevenueEvent.objects.bulk_create(new, batch_size=2000)
        result.created, result.skipped = len(created), len(parsed) - len(created)
        result.event_ids = list(
            RevenueEvent.objects.filter(
                organization=organization, external_id__in=[e.external_id for e in new]
            ).values_list("id", flat=True)
        )
        if post and result.event_ids:
            result.posting = attribution_recompute(
                organization=organization, actor=actor, event_ids=result.event_ids
            )
    return result


@dataclass
class RevenueCreateResult:
    """New events, the external ids that already existed, and what posting them did."""

    created: list[RevenueEvent] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    posting: RecomputeResult | None = None


@transaction.atomic
def revenue_events_create(
    *, membership: Membership, items: list[dict], actor=None, post: bool = True
) -> RevenueCreateResult:
    """Create revenue events from validated items; external ids already present are skipped.

    Items carry `external_id`, `date`, `amount` and an `opportunity` and/or `account` the
    member may see (the caller validates shape and scope, all items at once). With `post`, the
    new events are attributed in the same transaction, as a CSV import does.
    """
    if not has_cap(membership, Cap.ATTRIBUTION_EDIT):
        raise PermissionDenied
    organization = membership.organization
    wanted = [item["external_id"] for item in items]
    existing = set(
        RevenueEvent.objects.filter(organization=organization, external_id__in=wanted).values_list(
            "external_id", flat=True
        )
    )
    result = RevenueCreateResult(existing=[ext for ext in wanted if ext in existing])
    for item in items:
        if item["external_id"] in existing:
            continue
        opportunity = item.get("opportunity")
        event = RevenueEvent(
            organization=organization,
            opportunity=opportunity,
            account=item.get("account") or (opportunity.account if opportunity else None),
            date=item["date"],
            amount=item["amount"],
            source=RevenueEvent.Source.API,
            external_id=item["external_id"],
        )
        event.full_clean()
        event.save()
        result.created.append(event)
    if result.created:
        audit_record(
            organization=organization,
            actor=actor,
            action="revenue_event.bulk_create",
            object_type="attribution.revenueevent",
            after={"external_ids": [e.external_id for e in result.created]},
        )
        if post:
            result.posting = attribution_recompute(
                organization=organization, actor=actor, event_ids=[e.pk for e in result.created]
            )
    return result
