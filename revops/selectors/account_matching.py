"""One account-matching service for the whole product: duplicate leads, partner deal
registration conflicts and the CRM sync all ask "which of our accounts is this company?" here.

A candidate matches an account of the organization by, strongest first:

1. ``domain``: the same web domain (``revops.matching.domain_key``; free-mail domains never match);
2. ``name``: the same normalised name (``name_key``: case, punctuation, "the" and legal forms
   ignored);
3. ``similar name``: a name key with similarity ≥ ``FUZZY_THRESHOLD``. The candidates scored:

   * on PostgreSQL, for each word of the name, the accounts having a word within one edit of it
     (one lookup in the word-variant index of migration 0008, ``revops.matching.word_variants``),
     read for every word that at most ``MAX_WORD_CANDIDATES`` accounts share (a word the index
     statistics show to be more common is not read at all). The words that tell
     companies apart are the rare ones, so "Alder Birch Labs 1234x" finds "Alder Birch Labs 12345"
     through "1234x" however many names hold "alder" and "labs", in a few milliseconds;
   * on PostgreSQL when every word of the name is that common (no rare word to go by), the
     ``TRIGRAM_CANDIDATES`` nearest name keys by trigram distance (the GiST index of migration
     0007, when pg_trgm is available);
   * elsewhere (SQLite) the names sharing the first letters, at most ``MAX_PREFIX_CANDIDATES``.

   The same normalised name is always looked up on its own (an indexed equality).

``account_matches`` answers for one company with indexed lookups (a conflict check);
``AccountIndex`` loads the organization's keys once and answers many (a lead import or a daily
distribution run over 100,000 leads).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.contrib.postgres.search import TrigramDistance
from django.db import connection, transaction

from revops.matching import FUZZY_THRESHOLD, domain_key, name_key, name_prefix, word_variants
from revops.models import Account

_RANK = {"domain": 0, "name": 1, "similar name": 2}
# Fuzzy candidates read per lookup: those sharing the name's first letters, at most this many.
MAX_PREFIX_CANDIDATES = 500
# Fuzzy candidates read per lookup through the trigram index: the nearest this many names.
TRIGRAM_CANDIDATES = 100
TRIGRAM_INDEX = "revops_account_name_key_trgm"
# Fuzzy candidates read per word through the word-variant index; a word more accounts share
# than this says little about which company is meant and is not read.
MAX_WORD_CANDIDATES = 300
# Words of one name read through the word-variant index (the longest first).
MAX_WORDS = 8
VARIANT_INDEX = "revops_account_name_variants"
# The organization is in every variant, so the index alone keeps to it (an organization_id
# condition would offer the planner that column's index, and a scan computing every account's
# variants); the organization of each row is still checked when it is read.
VARIANT_INDEX_SQL = (
    "SELECT organization_id, id, name, owner_id, name_key FROM revops_account "
    "WHERE revops_name_variants(organization_id, name_key) && %s::text[] LIMIT %s"
)
# How long the index statistics read for skipping common words are reused.
STATS_SECONDS = 300


def _index_ready(name: str) -> bool:
    """Whether this PostgreSQL index exists on this database (asked once per connection)."""
    if connection.vendor != "postgresql":
        return False
    known: dict[str, bool] = connection.__dict__.setdefault("_account_match_indexes", {})
    if name not in known:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [name])
            known[name] = cursor.fetchone() is not None
    return known[name]


def _common_variants() -> tuple[dict[str, float], float]:
    """PostgreSQL's statistics of the word-variant index: its most common elements with their
    row frequencies, and the account table's row count (read at most every few minutes)."""
    cached = connection.__dict__.get("_account_variant_stats")
    now = time.monotonic()
    if cached is not None and now - cached[0] < STATS_SECONDS:
        return cached[1], cached[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats WHERE tablename = %s",
            [VARIANT_INDEX],
        )
        row = cursor.fetchone()
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'revops_account'")
        reltuples = float((cursor.fetchone() or (0,))[0] or 0)
    common = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
    connection.__dict__["_account_variant_stats"] = (now, common, reltuples)
    return common, reltuples


def _word_candidates(organization_id: int, nkey: str) -> tuple[list[tuple], bool]:
    """Accounts having a word within one edit of a rare word of ``nkey``, and whether any word
    of it was rare enough to be read (``MAX_WORD_CANDIDATES``).

    A word the index statistics already show in more than ``MAX_WORD_CANDIDATES`` accounts is
    not read at all (walking its postings would cost more than the rest of the check). The
    others are read through the index: sequential scans are switched off for these statements,
    as a scan would compute every account's variants to find a few."""
    common, reltuples = _common_variants()
    rows: dict[int, tuple] = {}
    any_read = False
    words = sorted(set(nkey.split()), key=lambda w: (-len(w), w))[:MAX_WORDS]
    queries = []
    for word in words:
        variants = [f"{organization_id} {v}" for v in sorted(word_variants(word))]
        if sum(common.get(v, 0.0) for v in variants) * reltuples > MAX_WORD_CANDIDATES:
            continue
        queries.append(variants)
    if not queries:
        return [], False
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        previous = cursor.fetchone()[0]
        for variants in queries:
            cursor.execute(VARIANT_INDEX_SQL, [variants, MAX_WORD_CANDIDATES + 1])
            found = [row[1:] for row in cursor.fetchall() if row[0] == organization_id]
            if len(found) <= MAX_WORD_CANDIDATES:
                any_read = True
                rows.update((row[0], row) for row in found)
        cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [previous])
    return list(rows.values()), any_read


@dataclass(frozen=True)
class AccountMatch:
    account_id: int
    account_name: str
    owner_id: int | None
    reason: str  # "domain", "name" or "similar name"
    score: float  # 1.0 for domain and name matches, the similarity otherwise


def _ranked(matches: dict[int, AccountMatch], limit: int) -> list[AccountMatch]:
    return sorted(matches.values(), key=lambda m: (_RANK[m.reason], -m.score, m.account_name, m.account_id))[
        :limit
    ]


def _collect(nkey: str, same_domain: Iterable, same_prefix: Iterable) -> dict[int, AccountMatch]:
    """Matches among the accounts sharing the domain ``(pk, name, owner_id)`` and the name
    candidates ``(pk, name, owner_id, name_key)``: domain first, then name, then similar.

    The score is ``revops.matching.name_similarity``; difflib's cheap upper bounds
    (``real_quick_ratio``, ``quick_ratio``) drop most candidates before the full ratio, with the
    same result."""
    found: dict[int, AccountMatch] = {}
    for pk, acc_name, owner_id in same_domain:
        found[pk] = AccountMatch(pk, acc_name, owner_id, "domain", 1.0)
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(nkey)
    for pk, acc_name, owner_id, nk in same_prefix:
        if pk in found or not nk:
            continue
        if nk == nkey:
            found[pk] = AccountMatch(pk, acc_name, owner_id, "name", 1.0)
            continue
        matcher.set_seq1(nk)
        if matcher.real_quick_ratio() < FUZZY_THRESHOLD or matcher.quick_ratio() < FUZZY_THRESHOLD:
            continue
        score = matcher.ratio()
        if score >= FUZZY_THRESHOLD:
            found[pk] = AccountMatch(pk, acc_name, owner_id, "similar name", round(score, 3))
    return found


def account_matches(
    organization, *, name: str = "", domain: str = "", email: str = "", limit: int = 5
) -> list[AccountMatch]:
    """The organization's accounts that are this company, best first (at most ``limit``)."""
    dkey = domain_key(domain) or domain_key(email)
    nkey = name_key(name)
    accounts = Account.objects.filter(organization=organization)
    same_domain: Iterable = ()
    candidates: list = []
    if dkey:
        same_domain = accounts.filter(domain_key=dkey).values_list("pk", "name", "owner_id")[:limit]
    if nkey:
        candidates = list(
            accounts.filter(name_key=nkey).values_list("pk", "name", "owner_id", "name_key")[:limit]
        )
    if nkey and _index_ready(VARIANT_INDEX):
        by_word, any_read = _word_candidates(organization.pk, nkey)
        candidates += by_word
        if not any_read and _index_ready(TRIGRAM_INDEX):
            candidates += (
                accounts.exclude(name_key="")
                .annotate(distance=TrigramDistance("name_key", nkey))
                .order_by("distance")  # the distance alone: a second key would make PostgreSQL sort every row
                .values_list("pk", "name", "owner_id", "name_key")[:TRIGRAM_CANDIDATES]
            )
    elif nkey:
        candidates += accounts.filter(name_prefix=name_prefix(nkey)).values_list(
            "pk", "name", "owner_id", "name_key"
        )[:MAX_PREFIX_CANDIDATES]
    return _ranked(_collect(nkey, same_domain, candidates), limit)


class AccountIndex:
    """The organization's matching keys in memory, for matching many companies at once."""

    def __init__(self, organization) -> None:
        self._by_domain: dict[str, list[tuple[int, str, int | None]]] = defaultdict(list)
        self._by_prefix: dict[str, list[tuple[int, str, int | None, str]]] = defaultdict(list)
        rows = Account.objects.filter(organization=organization).values_list(
            "pk", "name", "owner_id", "name_key", "name_prefix", "domain_key"
        )
        for pk, acc_name, owner_id, nk, prefix, dk in rows.iterator(chunk_size=5000):
            if dk:
                self._by_domain[dk].append((pk, acc_name, owner_id))
            if nk:
                self._by_prefix[prefix].append((pk, acc_name, owner_id, nk))

    def match(
        self, *, name: str = "", domain: str = "", email: str = "", limit: int = 5
    ) -> list[AccountMatch]:
        dkey = domain_key(domain) or domain_key(email)
        nkey = name_key(name)
        same_domain = self._by_domain.get(dkey, ()) if dkey else ()
        same_prefix = self._by_prefix.get(name_prefix(nkey), ()) if nkey else ()
        return _ranked(_collect(nkey, same_domain, same_prefix), limit)

    def best(self, **company: str) -> AccountMatch | None:
        matches = self.match(limit=1, **company)
        return matches[0] if matches else None
