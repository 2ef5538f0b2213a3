"""Cash received against invoices or orders → CashReceipt, through the core import framework.

Import kind `payments` (page, API, admin, command, like `sales`): per row a `dedupe_key` (a
column, or the profile's `key_columns` joined), the `document_number` the cash pays (the
sales' invoice or order number), the `date` it arrived and the `amount` (negative: a refund).
Plans on the paid basis count each document's sales pro rata to the cash received (see
`commissions.engine.basis`). A document no sale names yet is taken (its sales may come later)
and counts nothing until they do. A row already imported with the same key and values is
unchanged; with other values it is refused (a correction is a new row). All rows or none.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from commissions.models import CashReceipt
from commissions.permissions import CommissionCap
from revops.bulk import bulk_insert
from revops.imports.fields import TEXT, Day, ImportRow, Money
from revops.imports.kinds import NO_SOURCE, Action, ImportKind, ImportSource, PlannedRow, Progress
from revops.models import Organization

IMPORT_KIND = "payments"
BATCH_SIZE = 2000
WRITTEN = ("dedupe_key", "document_number", "date", "amount")


class ReceiptRow(ImportRow):
    dedupe_key: Annotated[str, TEXT, Field(max_length=200)]
    document_number: Annotated[str, TEXT, Field(min_length=1, max_length=64)]
    date: Day
    amount: Money


class ReceiptsImport(ImportKind):
    name = IMPORT_KIND
    label = "Cash receipts"
    capability = CommissionCap.IMPORT
    audit_action = "payments.import"
    schema = ReceiptRow
    key_field = "dedupe_key"
    total_fields = ("amount",)
    preview_fields = ("dedupe_key", "document_number", "date", "amount")
    example: ClassVar[dict[str, str]] = {
        "dedupe_key": "RCPT-1",
        "document_number": "INV-1001",
        "date": "2026-02-15",
        "amount": "48000.00",
    }

    def load(self, *, organization: Organization, rows: list[ReceiptRow]) -> dict[str, tuple]:  # type: ignore[override]
        keys = [r.dedupe_key for r in rows]
        existing: dict[str, tuple] = {}
        for start in range(0, len(keys), BATCH_SIZE):
            for key, document, day, amount in CashReceipt.objects.filter(
                organization=organization, dedupe_key__in=keys[start : start + BATCH_SIZE]
            ).values_list(*WRITTEN):
                existing[key] = (document, day, amount)
        return existing

    def resolve(
        self, row: ReceiptRow, context: dict[str, tuple]
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        values: dict[str, Any] = {
            "dedupe_key": row.dedupe_key,
            "document_number": row.document_number,
            "date": row.date,
            "amount": row.amount,
        }
        found = context.get(row.dedupe_key)
        errors = []
        if found is not None and found != (row.document_number, row.date, row.amount):
            errors.append(
                (
                    "dedupe_key",
                    f"{row.dedupe_key!r} was imported before with other values; a correction is a new row",
                )
            )
        return values, errors

    def plan(self, values: dict[str, Any], context: dict[str, tuple]) -> Action:  # type: ignore[override]
        return Action.UNCHANGED if values["dedupe_key"] in context else Action.CREATE

    def write(  # type: ignore[override]
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: dict[str, tuple],
        progress: Progress,
        source: ImportSource = NO_SOURCE,
    ) -> dict[str, int]:
        new = [row for row in rows if row.action == Action.CREATE]
        fields = ("organization_id", *WRITTEN, "source_job_id", "source_file", "source_row")
        bulk_insert(
            CashReceipt,
            fields,
            (
                (
                    organization.pk,
                    *(r.values[f] for f in WRITTEN),
                    source.job_run_id,
                    source.filename[:200],
                    r.line,
                )
                for r in new
            ),
        )
        progress(len(new), len(new))
        return {"receipts": len(new)}


RECEIPTS_IMPORT = ReceiptsImport()
