"""One account-matching service for the whole product: duplicate leads, partner deal
registration conflicts and the CRM sync all ask "which of our accounts is this company?" here.

A candidate matches an account of the organization by, strongest first:

1. ``domain``: the same web domain (``revops.matching.domain_key``; free-mail domains never match);
2. ``name``: the same normalised name (``name_key``: case, punctuation, "the" and legal forms
   ignored);
3. ``similar name``: a name key with similarity ≥ ``FUZZY_THRESHOLD``. The candidates scored are,
   on PostgreSQL with the trigram index of migration 0007, the ``TRIGRAM_CANDIDATES`` nearest
   name keys by trigram distance (a GiST index walk); elsewhere (SQLite, or PostgreSQL without
   pg_trgm) the names sharing the first letters, at most ``MAX_PREFIX_CANDIDATES``. A name that
   scores ≥ 0.86 shares most of its trigrams with the candidate, so the nearest ones hold it
   unless more than ``TRIGRAM_CANDIDATES`` accounts are nearer still.

``account_matches`` answers for one company with indexed lookups (a conflict check);
``AccountIndex`` loads the organization's keys once and answers many (a lead import or a daily
distribution run over 100,000 leads).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.search import TrigramDistance
from django.db import connection

from revops.matching import FUZZY_THRESHOLD, domain_key, name_key, name_prefix, name_similarity
from revops.models import Account

_RANK = {"domain": 0, "name": 1, "similar name": 2}
# Fuzzy candidates read per lookup: those sharing the name's first letters, at most this many.
MAX_PREFIX_CANDIDATES = 500
# Fuzzy candidates read per lookup through the trigram index: the nearest this many names.
TRIGRAM_CANDIDATES = 100
TRIGRAM_INDEX = "revops_account_name_key_trgm"


def _trigram_index_ready() -> bool:
    """Whether the trigram index exists on this database (asked once per connection)."""
    if connection.vendor != "postgresql":
        return False
    ready = getattr(connection, "_account_trigram_ready", None)
    if ready is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [TRIGRAM_INDEX])
            ready = cursor.fetchone() is not None
        connection._account_trigram_ready = ready  # type: ignore[attr-defined]
    return ready


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
    """Matches among the accounts sharing the domain ``(pk, name, owner_id)`` and those sharing
    the name prefix ``(pk, name, owner_id, name_key)``: domain first, then name, then similar."""
    found: dict[int, AccountMatch] = {}
    for pk, acc_name, owner_id in same_domain:
        found[pk] = AccountMatch(pk, acc_name, owner_id, "domain", 1.0)
    for pk, acc_name, owner_id, nk in same_prefix:
        if pk in found:
            continue
        if nk == nkey:
            found[pk] = AccountMatch(pk, acc_name, owner_id, "name", 1.0)
        else:
            score = name_similarity(nk, nkey)
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
    same_prefix: Iterable = ()
    if dkey:
        same_domain = accounts.filter(domain_key=dkey).values_list("pk", "name", "owner_id")[:limit]
    if nkey and _trigram_index_ready():
        same_prefix = (
            accounts.exclude(name_key="")
            .annotate(distance=TrigramDistance("name_key", nkey))
            .order_by("distance")  # the distance alone: a second key would make PostgreSQL sort every row
            .values_list("pk", "name", "owner_id", "name_key")[:TRIGRAM_CANDIDATES]
        )
    elif nkey:
        same_prefix = accounts.filter(name_prefix=name_prefix(nkey)).values_list(
            "pk", "name", "owner_id", "name_key"
        )[:MAX_PREFIX_CANDIDATES]
    return _ranked(_collect(nkey, same_domain, same_prefix), limit)


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
