"""Append rows to the attribution ledger fast: chain hashing in Python, COPY on PostgreSQL.

A row is a plain tuple (see `Row`), not a model instance: on big books the per-row cost of
building instances and adapting every value dominated the posting. The hash of each row is
byte-identical to `revops.ledger.chain_hash(prev_hash, entry.canonical_values())` — the
canonical text is written directly instead of going through the generic helpers. PostgreSQL
receives the rows through `COPY ... FROM STDIN`, one statement per WRITE_BATCH rows (text
format, built here);
other databases (SQLite in the tests and the embedded default) through `bulk_create`.

The caller holds the ledger lock (`attribution.locks.lock_ledger`) inside its transaction,
so the head read here is the head the chain continues from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from attribution.models import AttributionEntry, AttributionRuleVersion
from attribution.models.ledger import HASHED_FIELDS
from revops.exceptions import ApplicationError
from revops.ledger import GENESIS_HASH
from revops.models import FiscalPeriod

# (revenue_event_id, partner_id, role, scope, split_percent as "12.50", amount in cents (int),
#  kind, reverses_id | None, period_id, revenue_period_id, rule_version_id | None, explanation)
Row = tuple[int, int, str, str, str, int, str, int | None, int, int, int | None, dict]

NULL = "\\N"  # COPY text format's NULL
POSTING_PERIOD_CLOSED = "Period {period} is closed; entries go to the first open period."
UNKNOWN_REFERENCE = "Unknown {what} {id} for this organization."
# Rows are handed to COPY (or bulk_create) this many at a time: one write of ~3 MB of text,
# big enough that per-call overhead vanishes, small enough that memory stays flat.
WRITE_BATCH = 10_000
# bulk_create's statement size on databases without COPY (17 columns × 3,000 = 51,000 bind
# parameters, under PostgreSQL's 65,535; SQLite's own limit is applied by Django).
BULK_BATCH = 3000

COPY_COLUMNS = (*HASHED_FIELDS, "prev_hash", "hash", "created_at", "created_by_id")


def cents_text(cents: int) -> str:
    """An amount in cents as the ledger writes it: "-12.05", "0.30"."""
    if cents < 0:
        whole, part = divmod(-cents, 100)
        return f"-{whole}.{part:02d}"
    whole, part = divmod(cents, 100)
    return f"{whole}.{part:02d}"


def _hash_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class _Texts:
    """Escaped text of repeated values, computed once per distinct value.

    Explanations are shared dicts (one per rule outcome), so they are cached by identity; the
    dict itself is kept in the cache so its id cannot be reused by another object meanwhile.
    """

    def __init__(self) -> None:
        self._strings: dict[str, tuple[str, str]] = {}
        self._explanations: dict[int, tuple[dict, str, str]] = {}

    def string(self, value: str) -> tuple[str, str]:
        texts = self._strings.get(value)
        if texts is None:
            texts = self._strings[value] = (_hash_escape(value), _copy_escape(value))
        return texts

    def explanation(self, value: dict) -> tuple[str, str]:
        cached = self._explanations.get(id(value))
        if cached is None or cached[0] is not value:
            text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
            cached = self._explanations[id(value)] = (value, _hash_escape(text), _copy_escape(text))
        return cached[1], cached[2]


def _ledger_head(organization_id: int) -> tuple[int, str]:
    head = (
        AttributionEntry.objects.filter(organization_id=organization_id)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    return head if head else (0, GENESIS_HASH)


def _check_references(organization_id: int, rows: list[Row]) -> None:
    """Refuse rows posted in a closed period or citing another organization's period or rule.

    The posting and revenue periods and the rule versions take only a handful of distinct
    values per posting, so they are checked once each here. The revenue period and rule version
    columns carry no database foreign key (see AttributionEntry): this check is what keeps them
    pointing at rows of the organization.
    """
    periods = {r[8] for r in rows}
    revenue_periods = {r[9] for r in rows}
    versions = {r[10] for r in rows} - {None}
    # Safe to read without a row lock: period_close seals under the same ledger lock we hold.
    found = {
        p.pk: p
        for p in FiscalPeriod.objects.filter(
            organization_id=organization_id, pk__in=periods | revenue_periods
        )
    }
    for period_id in sorted(periods):
        period = found.get(period_id)
        if period is None:
            raise ApplicationError(UNKNOWN_REFERENCE.format(what="period", id=period_id))
        if period.is_closed:
            raise ApplicationError(POSTING_PERIOD_CLOSED.format(period=period))
    for period_id in sorted(revenue_periods - found.keys()):
        raise ApplicationError(UNKNOWN_REFERENCE.format(what="revenue period", id=period_id))
    if versions:
        known = set(
            AttributionRuleVersion.objects.filter(
                organization_id=organization_id, pk__in=versions
            ).values_list("pk", flat=True)
        )
        for version_id in sorted(versions - known):
            raise ApplicationError(UNKNOWN_REFERENCE.format(what="rule version", id=version_id))


def ledger_rows_append(
    *,
    organization_id: int,
    rows: Iterable[Row],
    created_by_id: int | None = None,
    use_copy: bool | None = None,
) -> int:
    """Chain and write `rows` after the organization's current head; returns how many.

    Must run inside the caller's transaction, under the ledger lock. `use_copy` defaults to
    "on PostgreSQL"; tests force either path to prove both hash alike.

    The rows are materialized and every query they need (head, periods, rule versions) runs
    before the first COPY: rows may come from a lazy iterable, and nothing may query the
    connection while a COPY is open.
    """
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    _check_references(organization_id, rows)
    sequence, prev_hash = _ledger_head(organization_id)
    first_sequence = sequence
    texts = _Texts()
    created_at = timezone.now()
    sha256 = hashlib.sha256
    org = organization_id
    sink = _CopySink(created_at, created_by_id) if use_copy else _BulkSink()
    with sink:
        lines = sink.lines
        for (
            ev,
            partner,
            role,
            scope,
            percent,
            cents,
            kind,
            reverses,
            period,
            revenue_period,
            version,
            why,
        ) in rows:
            sequence += 1
            amount = cents_text(cents)
            role_h, role_c = texts.string(role)
            scope_h, scope_c = texts.string(scope)
            kind_h, kind_c = texts.string(kind)
            why_h, why_c = texts.explanation(why)
            rev = "" if reverses is None else reverses
            ver = "" if version is None else version
            digest = sha256(
                f"{prev_hash}|{org}|{sequence}|{ev}|{partner}|{role_h}|{scope_h}|{percent}|{amount}|"
                f"{kind_h}|{rev}|{period}|{revenue_period}|{ver}|{why_h}".encode()
            ).hexdigest()
            if use_copy:
                lines.append(
                    f"{org}\t{sequence}\t{ev}\t{partner}\t{role_c}\t{scope_c}\t{percent}\t{amount}\t"
                    f"{kind_c}\t{rev or NULL}\t{period}\t{revenue_period}\t{ver or NULL}\t{why_c}\t"
                    f"{prev_hash}\t{digest}"
                )
            else:
                lines.append(
                    AttributionEntry(
                        organization_id=org,
                        sequence=sequence,
                        revenue_event_id=ev,
                        partner_id=partner,
                        role=role,
                        scope=scope,
                        split_percent=Decimal(percent),
                        amount=Decimal(amount),
                        kind=kind,
                        reverses_id=reverses,
                        period_id=period,
                        revenue_period_id=revenue_period,
                        rule_version_id=version,
                        explanation=why,
                        prev_hash=prev_hash,
                        hash=digest,
                        created_at=created_at,
                        created_by_id=created_by_id,
                    )
                )
            if len(lines) >= WRITE_BATCH:
                sink.flush()
            prev_hash = digest
        sink.flush()
    return sequence - first_sequence


class _CopySink:
    """Rows as COPY text lines; each flush is one COPY statement of up to WRITE_BATCH rows.

    Every query the rows need has run before the first flush (see ledger_rows_append), and a
    COPY is always complete when flush returns: no statement is ever sent while one is open.
    (Keeping one COPY open for the whole posting, fed by psycopg's queued writer thread so that
    hashing here overlaps the server's inserts, measured no faster: the server's insert and
    index work dominates and Python's share is about a tenth.)
    """

    def __init__(self, created_at, created_by_id: int | None):
        by = NULL if created_by_id is None else str(created_by_id)
        self.line_end = f"\t{created_at.isoformat()}\t{by}\n"
        self.lines: list[str] = []
        self.sql = f"COPY {AttributionEntry._meta.db_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN"

    def __enter__(self) -> _CopySink:
        return self

    def flush(self) -> None:
        if self.lines:
            end = self.line_end
            text = end.join(self.lines) + end
            self.lines.clear()
            with connection.cursor() as cursor, cursor.cursor.copy(self.sql) as copy:
                copy.write(text)

    def __exit__(self, exc_type, exc, tb) -> None:
        return None


class _BulkSink:
    """Rows as model instances, written with bulk_create (databases without COPY)."""

    def __init__(self) -> None:
        self.lines: list[AttributionEntry] = []

    def __enter__(self) -> _BulkSink:
        return self

    def flush(self) -> None:
        if self.lines:
            AttributionEntry.objects.bulk_create(self.lines, batch_size=BULK_BATCH)
            self.lines.clear()

    def __exit__(self, exc_type, exc, tb) -> None:
        return None
