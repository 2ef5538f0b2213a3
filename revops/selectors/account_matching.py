"""One account-matching service for the whole product: duplicate leads, partner deal
registration conflicts and the CRM sync all ask "which of our accounts is this company?" here.

A candidate matches an account of the organization by, strongest first:

1. ``domain``: the same web domain (``revops.matching.domain_key``; free-mail domains never match);
2. ``name``: the same normalised name (``name_key``: case, punctuation, "the" and legal forms
   ignored);
3. ``similar name``: a name key sharing the first letters with similarity ≥ ``FUZZY_THRESHOLD``.

``account_matches`` answers for one company with indexed lookups (a conflict check);
``AccountIndex`` loads the organization's keys once and answers many (a lead import or a daily
distribution run over 100,000 leads).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from revops.matching import FUZZY_THRESHOLD, domain_key, name_key, name_prefix, name_similarity
from revops.models import Account

_RANK = {"domain": 0, "name": 1, "similar name": 2}


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


def account_matches(
    organization, *, name: str = "", domain: str = "", email: str = "", limit: int = 5
) -> list[AccountMatch]:
    """The organization's accounts that are this company, best first (at most ``limit``)."""
    dkey = domain_key(domain) or domain_key(email)
    nkey = name_key(name)
    found: dict[int, AccountMatch] = {}
    accounts = Account.objects.filter(organization=organization)
    fields = ("pk", "name", "owner_id", "name_key", "domain_key")
    if dkey:
        for pk, acc_name, owner_id, _nk, _dk in accounts.filter(domain_key=dkey).values_list(*fields)[:limit]:
            found[pk] = AccountMatch(pk, acc_name, owner_id, "domain", 1.0)
    if nkey:
        prefix = name_prefix(nkey)
        for pk, acc_name, owner_id, nk, _dk in accounts.filter(name_prefix=prefix).values_list(*fields)[:500]:
            if pk in found:
                continue
            if nk == nkey:
                found[pk] = AccountMatch(pk, acc_name, owner_id, "name", 1.0)
            else:
                score = name_similarity(nk, nkey)
                if score >= FUZZY_THRESHOLD:
                    found[pk] = AccountMatch(pk, acc_name, owner_id, "similar name", round(score, 3))
    return _ranked(found, limit)


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
        found: dict[int, AccountMatch] = {}
        for pk, acc_name, owner_id in self._by_domain.get(dkey, ()) if dkey else ():
            found[pk] = AccountMatch(pk, acc_name, owner_id, "domain", 1.0)
        if nkey:
            for pk, acc_name, owner_id, nk in self._by_prefix.get(name_prefix(nkey), ()):
                if pk in found:
                    continue
                if nk == nkey:
                    found[pk] = AccountMatch(pk, acc_name, owner_id, "name", 1.0)
                else:
                    score = name_similarity(nk, nkey)
                    if score >= FUZZY_THRESHOLD:
                        found[pk] = AccountMatch(pk, acc_name, owner_id, "similar name", round(score, 3))
        return _ranked(found, limit)

    def best(self, **company: str) -> AccountMatch | None:
        matches = self.match(limit=1, **company)
        return matches[0] if matches else None
