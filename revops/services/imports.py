"""Opportunity CSV import: validate every row, then write all rows or none.

The file is checked completely before anything is written, so a user sees every bad row
at once (by line and column) and a bad file leaves the database untouched. Rows are matched
on `external_id` within the organization: new ids are created, known ids are updated, and a
stage move appends to the opportunity's stage history like an edit in the app would.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from revops.models import (
    Account,
    JobRun,
    Membership,
    Opportunity,
    OpportunityStageChange,
    Organization,
    ProductLine,
)
from revops.models.crm import CLOSED_STAGES, Stage
from revops.money import quantize_money
from revops.services.audit import audit_record
from revops.services.jobs import job_enqueue, job_progress

COLUMNS = (
    "external_id",
    "name",
    "account_external_id",
    "owner_email",
    "stage",
    "amount",
    "currency",
    "created_date",
    "expected_close_date",
    "close_date",
    "product_line_code",
    "lead_source",
)
REQUIRED_COLUMNS = ("external_id", "name", "account_external_id", "stage", "amount", "created_date")
# Fields compared to decide whether a known opportunity changed.
UPSERT_FIELDS = (
    "name",
    "account_id",
    "owner_id",
    "stage",
    "amount",
    "currency",
    "created_date",
    "expected_close_date",
    "close_date",
    "product_line_id",
    "lead_source",
)
# Rows per write and per progress report: big enough that a 10,000-row file costs a few
# dozen round trips, small enough that the progress bar moves on a file of a few hundred.
BATCH_SIZE = 250
# An upload larger than this is refused before it is stored (about 40,000 rows).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_AMOUNT = Decimal("9999999999999999.99")  # DecimalField(18, 2)
IMPORT_KIND = "opportunity.import"
IMPORT_DIR = "imports"

ERROR_MISSING_COLUMNS = "line 1: missing column(s): {columns}"
ERROR_EMPTY_FILE = "The file has no rows to import."
ERROR_NOT_UTF8 = "The file is not UTF-8 text."
ERROR_TOO_LARGE = "The file is larger than {limit} MB."


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class _Lookups:
    """Everything a row may refer to, loaded once per file (queries do not grow with rows)."""

    accounts: dict[str, int]
    product_lines: dict[str, int]
    members: dict[str, int]
    existing: dict[str, Opportunity]


_STAGES_BY_NAME = {**{s.value: s.value for s in Stage}, **{s.label.lower(): s.value for s in Stage}}


def _chunks(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _load_lookups(organization: Organization, rows: list[dict[str, str]]) -> _Lookups:
    account_ids = sorted({r["account_external_id"] for r in rows if r["account_external_id"]})
    external_ids = sorted({r["external_id"] for r in rows if r["external_id"]})
    accounts: dict[str, int] = {}
    existing: dict[str, Opportunity] = {}
    for chunk in _chunks(account_ids, 500):
        accounts.update(
            Account.objects.filter(organization=organization, external_id__in=chunk).values_list(
                "external_id", "id"
            )
        )
    for chunk in _chunks(external_ids, 500):
        for opp in Opportunity.objects.filter(organization=organization, external_id__in=chunk):
            existing[opp.external_id] = opp
    product_lines = dict(ProductLine.objects.filter(organization=organization).values_list("code", "id"))
    members = dict(
        Membership.objects.filter(organization=organization, is_active=True)
        .exclude(role="partner")
        .values_list("user__email", "user_id")
    )
    return _Lookups(accounts, product_lines, {k.lower(): v for k, v in members.items()}, existing)


def _parse_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _validate_row(row: dict[str, str], line: int, lookups: _Lookups, currency: str) -> tuple[dict, list[str]]:
    """Turn one CSV row into field values; the list holds its errors (empty when valid)."""
    errors: list[str] = []

    def err(field: str, message: str) -> None:
        errors.append(f"line {line}, {field}: {message}")

    data: dict = {}
    for field, limit in (("external_id", 64), ("name", 200), ("lead_source", 60)):
        value = row.get(field, "")
        if field != "lead_source" and not value:
            err(field, "is required")
        elif len(value) > limit:
            err(field, f"is longer than {limit} characters")
        data[field] = value

    account_ref = row["account_external_id"]
    if not account_ref:
        err("account_external_id", "is required")
    elif account_ref not in lookups.accounts:
        err("account_external_id", f"no account with external id {account_ref!r}")
    data["account_id"] = lookups.accounts.get(account_ref)

    owner_email = row.get("owner_email", "").lower()
    data["owner_id"] = None
    if owner_email:
        data["owner_id"] = lookups.members.get(owner_email)
        if data["owner_id"] is None:
            err("owner_email", f"{owner_email!r} is not a member of this organization")

    data["stage"] = _STAGES_BY_NAME.get(row["stage"].lower())
    if data["stage"] is None:
        err("stage", f"unknown stage {row['stage']!r} (use one of: {', '.join(Stage.values)})")

    data["amount"] = None
    try:
        amount = Decimal(row["amount"].replace(",", ""))
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        err("amount", f"{row['amount']!r} is not a number" if row["amount"] else "is required")
    else:
        if amount < 0:
            err("amount", "must not be negative")
        elif amount > MAX_AMOUNT:
            err("amount", "is too large")
        else:
            data["amount"] = quantize_money(amount)

    data["currency"] = (row.get("currency", "") or currency).upper()
    if len(data["currency"]) != 3 or not data["currency"].isalpha():
        err("currency", f"{data['currency']!r} is not a 3-letter currency code")

    for field in ("created_date", "expected_close_date", "close_date"):
        value = row.get(field, "")
        data[field] = None
        if not value:
            if field == "created_date":
                err(field, "is required")
            continue
        try:
            data[field] = _parse_date(value)
        except ValueError:
            err(field, f"{value!r} is not a date (use YYYY-MM-DD)")
    if data["stage"] in CLOSED_STAGES and data["close_date"] is None and not row.get("close_date"):
        err("close_date", "is required for a closed opportunity")
    if data["close_date"] and data["created_date"] and data["close_date"] < data["created_date"]:
        err("close_date", "is before created_date")

    code = row.get("product_line_code", "")
    data["product_line_id"] = None
    if code:
        data["product_line_id"] = lookups.product_lines.get(code)
        if data["product_line_id"] is None:
            err("product_line_code", f"no product line with code {code!r}")
    return data, errors


def _read_rows(csv_text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, stripped values) per data row; the header is line 1."""
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"), newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationError([ERROR_MISSING_COLUMNS.format(columns=", ".join(missing))])
    reader.fieldnames = header
    rows = []
    for raw in reader:
        if not any((v or "").strip() for k, v in raw.items() if k is not None):
            continue  # blank line
        values = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        rows.append((reader.line_num, values))
    if not rows:
        raise ValidationError([ERROR_EMPTY_FILE])
    return rows


def _report(job_run_id: int | None, done: int, total: int, start: int, span: int) -> None:
    if job_run_id is not None:
        job_progress(job_run_id=job_run_id, progress=start + span * done // total)


def _validate(organization: Organization, csv_text: str, job_run_id: int | None):
    rows = _read_rows(csv_text)
    lookups = _load_lookups(organization, [values for _, values in rows])
    errors: list[str] = []
    valid: list[dict] = []
    first_line: dict[str, int] = {}
    for index, (line, values) in enumerate(rows, start=1):
        data, row_errors = _validate_row(values, line, lookups, organization.currency)
        ext = values["external_id"]
        if ext and ext in first_line:
            row_errors.append(f"line {line}, external_id: {ext!r} already appears on line {first_line[ext]}")
        first_line.setdefault(ext, line)
        errors.extend(row_errors)
        valid.append(data)
        if index % BATCH_SIZE == 0:
            # Validation runs outside the write transaction, so this progress is visible live.
            _report(job_run_id, index, len(rows), 0, 50)
    if errors:
        raise ValidationError(errors)
    return valid, lookups


def _stage_change(opp: Opportunity, from_stage: str, actor_id: int | None, now) -> OpportunityStageChange:
    return OpportunityStageChange(
        organization_id=opp.organization_id,
        opportunity=opp,
        from_stage=from_stage,
        to_stage=opp.stage,
        amount=opp.amount,
        changed_at=now,
        changed_by_id=actor_id,
    )


def opportunity_import(
    *, organization: Organization, csv_text: str, acting_user, job_run_id: int | None = None
) -> ImportCounts:
    """Create or update the opportunities in `csv_text`; every row valid, or nothing is written.

    Raises ValidationError listing every bad row ("line N, field: problem"). Progress goes to
    the JobRun: 0–50 while validating (visible at once), 50–100 while writing (inside the
    transaction, so other connections see it at commit).
    """
    rows, lookups = _validate(organization, csv_text, job_run_id)
    actor_id = acting_user.pk if acting_user is not None and acting_user.is_authenticated else None
    now = timezone.now()
    created = updated = unchanged = 0
    with transaction.atomic():
        for done, batch in enumerate(_chunks(rows, BATCH_SIZE), start=1):
            new: list[Opportunity] = []
            changed: list[Opportunity] = []
            moves: list[OpportunityStageChange] = []
            for data in batch:
                opp = lookups.existing.get(data["external_id"])
                if opp is None:
                    new.append(Opportunity(organization=organization, **data))
                    continue
                old_stage = opp.stage
                diff = [f for f in UPSERT_FIELDS if getattr(opp, f) != data[f]]
                if not diff:
                    unchanged += 1
                    continue
                for f in diff:
                    setattr(opp, f, data[f])
                opp.updated_at = now
                changed.append(opp)
                if opp.stage != old_stage:
                    moves.append(_stage_change(opp, old_stage, actor_id, now))
            Opportunity.objects.bulk_create(new)
            Opportunity.objects.bulk_update(changed, [*UPSERT_FIELDS, "updated_at"])
            moves.extend(_stage_change(opp, "", actor_id, now) for opp in new)
            OpportunityStageChange.objects.bulk_create(moves)
            created += len(new)
            updated += len(changed)
            _report(job_run_id, min(done * BATCH_SIZE, len(rows)), len(rows), 50, 49)
        counts = ImportCounts(created=created, updated=updated, unchanged=unchanged)
        audit_record(
            organization=organization,
            actor=acting_user,
            action="opportunity.import",
            object_type="revops.jobrun" if job_run_id else "revops.opportunity",
            object_id=str(job_run_id or ""),
            after=counts.as_dict(),
        )
    return counts


def import_file_read(*, path: str) -> str:
    """The stored upload at `path` (relative to MEDIA_ROOT) as text."""
    with default_storage.open(path, "rb") as handle:
        return handle.read().decode("utf-8-sig")


def opportunity_import_enqueue(
    *, organization: Organization, content: bytes, acting_user
) -> tuple[JobRun, bool]:
    """Store the upload and queue one import job per distinct file; (job, created).

    The idempotency key is the SHA-256 of the file, so uploading the same file twice (a
    double click, a retry) returns the first job and queues nothing. The stored name is
    derived from the same digest, so the second upload does not leave a stray copy.
    """
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(ERROR_TOO_LARGE.format(limit=MAX_FILE_BYTES // (1024 * 1024)))
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(ERROR_NOT_UTF8) from exc
    digest = hashlib.sha256(content).hexdigest()
    name = f"{uuid.UUID(hex=hashlib.sha256(f'{organization.pk}:{digest}'.encode()).hexdigest()[:32])}.csv"
    path = f"{IMPORT_DIR}/{name}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(content))
    return job_enqueue(
        organization=organization,
        kind=IMPORT_KIND,
        idempotency_key=f"{IMPORT_KIND}:{digest}",
        params={"file": path, "bytes": len(content)},
        started_by=acting_user,
    )
