"""Signed chain-head statements: at every period close, each ledger's head leaves the database.

The keyed chain (`revops.ledger.chain`) stops anyone without the key from extending or
editing a ledger undetected. A statement written at close goes further: it is kept outside
the database, so even a rewrite made with the key (or a restore of an older database) is
detectable later by comparing the ledger with what was stated then.

At every period close, after the seals (`revops.services.periods.PERIOD_CLOSE_HOOKS`), and once
the close commits, one JSON document per close is written to `REVOPS_LEDGER_HEADS_DIR`
(`<organization slug>/<period>-<sealed at>.json`) and logged (`ledger_heads_statement`):

    {"statement": {"organization": ..., "period": "2026-01", "closed_at": ...,
                   "ledgers": [{"ledger", "last_sequence", "last_hash", "entry_count",
                                "total_amount"}, ...]},
     "key_id": "k1", "signature": HMAC-SHA256(key, canonical JSON of "statement")}

Ship the folder (or the log) somewhere the database's writers cannot reach: object storage
with retention, a mail to the auditors. `manage.py ledger_heads_check <file>` checks a
statement: its signature, and that each ledger still holds, at the stated sequence, an entry
with the stated hash (a rewritten chain cannot).
"""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import Any

import structlog
from django.conf import settings
from django.db import transaction

from revops.ledger.chain import current_key, ledger_keys
from revops.ledger.spec import registered_ledgers
from revops.models import FiscalPeriod, Organization

logger = structlog.get_logger(__name__)

BAD_SIGNATURE = "the statement's signature does not match (edited, or signed with another key)"
UNKNOWN_KEY = "the statement names an unknown key {key_id!r}"
ENTRY_GONE = "{ledger}: no entry #{sequence} any more (the chain was cut)"
ENTRY_CHANGED = "{ledger}: entry #{sequence} has another hash than stated (the chain was rewritten)"
UNKNOWN_LEDGER = "{ledger}: not a ledger of this installation"


def _canonical(statement: dict[str, Any]) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()


def heads_statement(*, period: FiscalPeriod) -> dict[str, Any]:
    """Each registered ledger's latest seal of `period`, as plain data."""
    ledgers = []
    for spec in registered_ledgers():
        seal = spec.seal_model.objects.filter(organization_id=period.organization_id, period=period).first()
        if seal is None:
            continue
        ledgers.append(
            {
                "ledger": spec.name,
                "last_sequence": seal.last_sequence,
                "last_hash": seal.last_hash,
                "entry_count": seal.entry_count,
                "total_amount": str(seal.total_amount),
                "sealed_at": seal.sealed_at.isoformat(),
            }
        )
    return {
        "organization": period.organization.slug,
        "organization_id": period.organization_id,
        "period": str(period),
        "period_id": period.pk,
        "closed_at": period.closed_at.isoformat() if period.closed_at else None,
        "ledgers": ledgers,
    }


def statement_sign(statement: dict[str, Any]) -> dict[str, Any]:
    key_id, key = current_key()
    signature = hmac.digest(key, _canonical(statement), "sha256").hex()
    return {"statement": statement, "key_id": key_id, "signature": signature}


def statement_problems(document: dict[str, Any]) -> list[str]:
    """What no longer holds in a signed statement (empty: the ledgers still match it)."""
    key = ledger_keys().get(document.get("key_id", ""))
    if key is None:
        return [UNKNOWN_KEY.format(key_id=document.get("key_id"))]
    statement = document.get("statement") or {}
    expected = hmac.digest(key, _canonical(statement), "sha256").hex()
    if not hmac.compare_digest(expected, str(document.get("signature", ""))):
        return [BAD_SIGNATURE]
    specs = {spec.name: spec for spec in registered_ledgers()}
    problems = []
    for head in statement.get("ledgers", []):
        spec = specs.get(head["ledger"])
        if spec is None:
            problems.append(UNKNOWN_LEDGER.format(ledger=head["ledger"]))
            continue
        if head["last_sequence"] == 0:
            continue
        found = (
            spec.entry_model.objects.filter(
                organization_id=statement["organization_id"], sequence=head["last_sequence"]
            )
            .values_list("hash", flat=True)
            .first()
        )
        if found is None:
            problems.append(ENTRY_GONE.format(ledger=head["ledger"], sequence=head["last_sequence"]))
        elif found != head["last_hash"]:
            problems.append(ENTRY_CHANGED.format(ledger=head["ledger"], sequence=head["last_sequence"]))
    return problems


def heads_dir() -> Path:
    return Path(settings.REVOPS_LEDGER_HEADS_DIR)


def statement_write(*, period: FiscalPeriod) -> Path:
    """Sign the period's chain heads and write them to the heads folder; the file's path."""
    document = statement_sign(heads_statement(period=period))
    organization = Organization.objects.get(pk=period.organization_id)
    folder = heads_dir() / organization.slug
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (document["statement"]["closed_at"] or "open").replace(":", "").replace("+", "Z")
    path = folder / f"{period}-{stamp}.json"
    path.write_text(json.dumps(document, indent=2, sort_keys=True))
    logger.info("ledger_heads_statement", path=str(path), **document)
    return path


def ledgers_heads_export_hook(period: FiscalPeriod, actor) -> None:
    """Period-close hook (after the seals): write the signed statement once the close commits."""
    period_id = period.pk

    def write() -> None:
        try:
            statement_write(period=FiscalPeriod.objects.get(pk=period_id))
        except Exception:  # the close has committed; a failed export is logged, not a 500
            logger.exception("ledger_heads_statement_failed", period_id=period_id)

    transaction.on_commit(write)
