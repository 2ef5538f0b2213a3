"""Commission basis: when a sale counts — booked, invoiced, or paid (pro rata to cash received).

A plan version chooses its basis; the engine reads, for each rep × product line × month, the
transaction frame of that basis (`compute_commissions(basis_frames=...)`):

- **booked**: the sale's date (the frame as imported);
- **invoiced**: the invoice date; a sale not invoiced yet does not count;
- **paid**: each cash receipt of a document (invoice or order number) releases the same share
  of every line of that document, in the month the cash arrives: a line of base B on a
  document of sales S, after receipts totalling C, has counted B × min(C, S) ÷ S. Shares are
  rounded to cents on the running total (what has counted after each receipt, minus what had
  counted before), so once the document is paid in full its lines have counted exactly their
  base, and over-payments count nothing more. A credit note (negative S) is released by
  negative receipts (refunds) the same way. A document with no sales (S = 0) releases
  nothing.

`paid_frame` builds the paid frame from the booked one; both are engine frames
(FRAME_COLUMNS, amounts in integer cents).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from commissions.engine.compute import frame_from_rows
from commissions.engine.types import Basis

__all__ = ["Basis", "DocumentLine", "Receipt", "paid_frame", "paid_rows"]


@dataclass(frozen=True, slots=True)
class DocumentLine:
    """A sale as the paid basis needs it: its document and amounts in cents."""

    document: str
    rep_id: int
    product_line_id: int
    base_cents: int
    sales_cents: int
    revenue_cents: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """Cash received against a document, in cents (negative: a refund)."""

    document: str
    date: dt.date
    amount_cents: int


def _share(value: int, paid: int, total: int) -> int:
    """value × min(paid, total) ÷ total in cents, rounded half away from zero (exact integers)."""
    if total == 0:
        return 0
    if (total > 0 and paid > total) or (total < 0 and paid < total):
        paid = total
    if (total > 0 and paid < 0) or (total < 0 and paid > 0):
        paid = 0
    numerator = value * paid
    quotient, remainder = divmod(abs(numerator), abs(total))
    if 2 * remainder >= abs(total):
        quotient += 1
    return quotient if (numerator >= 0) == (total > 0) else -quotient


def paid_rows(lines: Sequence[DocumentLine], receipts: Iterable[Receipt]) -> list[tuple]:
    """(rep, line, date, base, sales, revenue cents) rows: each line's share of each receipt."""
    by_document: dict[str, list[DocumentLine]] = defaultdict(list)
    for line in lines:
        by_document[line.document].append(line)
    totals = {doc: sum(line.sales_cents for line in doc_lines) for doc, doc_lines in by_document.items()}
    paid_so_far: dict[str, int] = defaultdict(int)
    rows: list[tuple] = []
    for receipt in sorted(receipts, key=lambda r: (r.document, r.date)):
        doc_lines = by_document.get(receipt.document)
        if not doc_lines:
            continue
        total = totals[receipt.document]
        before = paid_so_far[receipt.document]
        after = before + receipt.amount_cents
        paid_so_far[receipt.document] = after
        for line in doc_lines:
            parts = [
                _share(value, after, total) - _share(value, before, total)
                for value in (line.base_cents, line.sales_cents, line.revenue_cents)
            ]
            if any(parts):
                rows.append((line.rep_id, line.product_line_id, receipt.date, *parts))
    return rows


def paid_frame(lines: Sequence[DocumentLine], receipts: Iterable[Receipt]) -> pd.DataFrame:
    """The paid basis's transaction frame (see `paid_rows`)."""
    return frame_from_rows(paid_rows(lines, receipts))
