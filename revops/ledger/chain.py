"""The keyed hash chain every ledger uses, computed here and nowhere else.

Each entry stores `prev_hash` (the hash of the entry before it in the same organization and
ledger), the id of the key it was sealed with, and `hash` = HMAC-SHA256(key, prev_hash | body),
where the body is the entry's fields as text in the ledger's fixed order (`entry_body`). A
plain sha256 chain only proves the rows agree with each other: anyone who can write to the
database could append an entry with a correct digest. The key lives outside the database (the
environment, `LEDGER_HMAC_KEYS`), so only the application can extend the chain. The key id in
each entry lets keys rotate: new entries use `LEDGER_HMAC_CURRENT_KEY`, older ones verify
under the key they name, which stays listed until no entry cites it.

`legacy_chain_hash` is the unkeyed sha256 form entries had before; migrations use it to check
an old chain before sealing it again under a key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENESIS_HASH = "0" * 64
UNKNOWN_KEY = "entry sealed with unknown key {key_id!r}"


@dataclass(frozen=True)
class ChainBreak:
    """The first entry where a ledger does not hold, and why."""

    sequence: int
    problem: str


def parse_keys(text: str) -> dict[str, bytes]:
    """'id:secret,id2:secret2' → {id: secret bytes}; refuses empty ids, secrets or repeats."""
    keys: dict[str, bytes] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key_id, sep, secret = item.partition(":")
        key_id, secret = key_id.strip(), secret.strip()
        if not sep or not key_id or not secret or len(key_id) > 16:
            raise ImproperlyConfigured("LEDGER_HMAC_KEYS entries are 'id:secret' (id up to 16 characters)")
        if key_id in keys:
            raise ImproperlyConfigured(f"LEDGER_HMAC_KEYS lists key id {key_id!r} twice")
        keys[key_id] = secret.encode()
    return keys


def ledger_keys() -> dict[str, bytes]:
    return parse_keys(settings.LEDGER_HMAC_KEYS)


def current_key() -> tuple[str, bytes]:
    """(key id, secret) new entries are sealed with."""
    keys = ledger_keys()
    key_id = settings.LEDGER_HMAC_CURRENT_KEY
    if key_id not in keys:
        raise ImproperlyConfigured(f"LEDGER_HMAC_CURRENT_KEY {key_id!r} is not in LEDGER_HMAC_KEYS")
    return key_id, keys[key_id]


def hash_text(value: object) -> str:
    """One field as the hash sees it: None → "", money with 2 places, dates ISO, dicts as JSON."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "|" in text:
        text = text.replace("\\", "\\\\").replace("|", "\\|")
    return text


def cents_text(cents: int) -> str:
    """An amount in cents as the ledger writes and hashes it: "-12.05", "0.30"."""
    if cents < 0:
        whole, part = divmod(-cents, 100)
        return f"-{whole}.{part:02d}"
    whole, part = divmod(cents, 100)
    return f"{whole}.{part:02d}"


def entry_body(
    key_id: str,
    organization_id: int,
    sequence: int,
    period_id: int,
    kind: str,
    corrects_id: int | None,
    amount: str,
    fields_text: str,
) -> str:
    """The text an entry's hash covers after prev_hash: base fields, then the ledger's own.

    `chain_linker` formats the same text for the writer's loop; change both together.
    """
    corrects = "" if corrects_id is None else corrects_id
    return f"{key_id}|{organization_id}|{sequence}|{period_id}|{kind}|{corrects}|{amount}|{fields_text}"


def link_hash(key: bytes, prev_hash: str, body: str) -> str:
    """HMAC-SHA256 of the previous hash chained to this entry's body (hex)."""
    return hmac.digest(key, f"{prev_hash}|{body}".encode(), "sha256").hex()


# SHA-256's block size: HMAC pads (or first hashes) the key to it (RFC 2104).
_SHA256_BLOCK = 64

Linker = Callable[[str, int, int, str, int | None, str, str], str]


def hmac_states(key: bytes) -> tuple[Any, Any]:
    """HMAC-SHA256's inner and outer SHA-256 states after the padded key (RFC 2104).

    H(K^opad | H(K^ipad | message)): copying these states and feeding the message gives
    `hmac.digest(key, message, "sha256")` without keying a new HMAC per message.
    """
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_SHA256_BLOCK, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in padded)), hashlib.sha256(bytes(b ^ 0x5C for b in padded))


def chain_digests(
    states: tuple[Any, Any],
    key_id: str,
    organization_id: int,
    sequence: int,
    prev_hash: str,
    bodies: Sequence[str],
) -> list[str]:
    """Each body's digest, chained after (sequence, prev_hash).

    A body is the text an entry's hash covers after its sequence (`entry_body` from the
    period on: "period|kind|corrects|amount|own fields", None as ""). Each entry's digest is
    `link_hash(key, prev_hash, entry_body(...))` (a test compares them). The one sequential
    loop of a big posting: nothing in it but the HMAC and one formatted string per entry.
    """
    inner_copy, outer_copy = states[0].copy, states[1].copy
    prefix = f"|{key_id}|{organization_id}|"
    digests: list[str] = []
    append = digests.append
    for body in bodies:
        sequence += 1
        h = inner_copy()
        h.update(f"{prev_hash}{prefix}{sequence}|{body}".encode())
        o = outer_copy()
        o.update(h.digest())
        prev_hash = o.hexdigest()
        append(prev_hash)
    return digests


def chain_bodies(
    states: tuple[Any, Any],
    key_id: str,
    organization_id: int,
    sequence: int,
    prev_hash: str,
    bodies: Sequence[str],
    tail: str,
) -> tuple[list[str], int, str]:
    """Chain entries given as bodies (`chain_digests`); returns (lines, last sequence, last hash).

    Each line is "sequence|prev_hash|hash|body" + `tail`, the COPY text of a ledger written
    with '|' as the delimiter.
    """
    digests = chain_digests(states, key_id, organization_id, sequence, prev_hash, bodies)
    if not digests:
        return [], sequence, prev_hash
    prevs = [prev_hash, *digests[:-1]]
    lines = [
        f"{number}|{prev}|{digest}|{body}{tail}"
        for number, prev, digest, body in zip(
            range(sequence + 1, sequence + 1 + len(digests)), prevs, digests, bodies, strict=True
        )
    ]
    return lines, sequence + len(digests), digests[-1]


def chain_linker(key: bytes, key_id: str, organization_id: int) -> Linker:
    """`link_hash(key, prev_hash, entry_body(key_id, organization_id, ...))` for a run of entries.

    The writer's inner loop: returns `link(prev_hash, sequence, period_id, kind, corrects_id,
    amount, fields_text)`, the same digest as `link_hash` over `entry_body` (a test compares
    them), computed cheaper: the text before the sequence is formatted once, and HMAC's inner
    and outer SHA-256 states after the padded key are computed once and copied per entry
    instead of keying a new HMAC for every entry (RFC 2104: H(K^opad | H(K^ipad | message))).
    """
    inner, outer = hmac_states(key)
    prefix = f"|{key_id}|{organization_id}|"

    def link(
        prev_hash: str,
        sequence: int,
        period_id: int,
        kind: str,
        corrects_id: int | None,
        amount: str,
        fields_text: str,
    ) -> str:
        corrects = "" if corrects_id is None else corrects_id
        h = inner.copy()
        h.update(
            f"{prev_hash}{prefix}{sequence}|{period_id}|{kind}|{corrects}|{amount}|{fields_text}".encode()
        )
        o = outer.copy()
        o.update(h.digest())
        return o.hexdigest()

    return link


def content_mac(key: bytes, content: object) -> str:
    """HMAC-SHA256 of a JSON value in canonical form (shared side tables, e.g. explanations)."""
    return hmac.digest(key, hash_text(content).encode(), "sha256").hex()


def legacy_chain_hash(prev_hash: str, values: Sequence[object]) -> str:
    """The unkeyed sha256 chain entries carried before keys (migrations only)."""
    canonical = "|".join(
        ("" if v is None else hash_text(v) if isinstance(v, dict | list | dt.date) else str(v))
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        for v in values
    )
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()
