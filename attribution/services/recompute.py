"""Recompute: compare what the splits say should be posted with what is, post the difference.

Per (revenue event, partner, role) the desired amount comes from the engine's current splits
and the posted amount is the sum of the ledger entries. Only differences are posted, as ONE
entry per key (no reverse-and-repost pairs):

- nothing posted yet → an `original` entry for the desired amount;
- the partner no longer gets a share → a `reversal` of everything posted (amount −posted);
- otherwise → an `adjustment` for desired − posted.

Reversals and adjustments reference the key's original entry. Every entry goes to the period
of the revenue date when it is open, else to the first open period after it, so a closed
period's totals never change. Running recompute twice posts nothing the second time.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Min, Q, Sum

from attribution.locks import lock_ledger
from attribution.models import AttributionEntry, RevenueEvent
from attribution.services.periods import PeriodResolver
from attribution.services.posting import EntryLine, ShareInput, ledger_post, split_amounts
from attribution.services.split_inputs import Share, SplitBook, split_book_load
from revops.models import Organization

ZERO = Decimal("0.00")
# Events are compared and posted in slices of this many, so memory stays flat on big books
# (one slice holds its events, their desired shares and their posted sums).
EVENT_SLICE = 20_000
REMOVED_EXPLANATION = {"source": "removed", "notes": ["the partner no longer has a share"]}


@dataclass
class RecomputeResult:
    """What a recompute posted (or, on a dry run, would post)."""

    dry_run: bool
    events: int = 0
    entries: int = 0
    by_kind: Counter = field(default_factory=Counter)
    totals_by_partner: dict[int, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))

    @property
    def total(self) -> Decimal:
        return sum(self.totals_by_partner.values(), ZERO)

    def as_counts(self) -> dict:
        return {
            "events": self.events,
            "entries": self.entries,
            "by_kind": dict(self.by_kind),
            "total": str(self.total),
        }


def _desired(event: dict, book: SplitBook) -> tuple[str, dict[tuple[int, str], tuple[Share, Decimal]]]:
    """The event's scope and (partner, role) → (share, amount), from the deal's or account's splits."""
    if event["opportunity_id"] is not None:
        shares, scope = book.deal_shares.get(event["opportunity_id"], ()), "opportunity"
    else:
        shares, scope = book.account_shares.get(event["account_id"], ()), "account"
    amounts = split_amounts(event["amount"], [ShareInput(s.partner_id, s.role, s.percent) for s in shares])
    return scope, {(s.partner_id, s.role): (s, a) for s, a in zip(shares, amounts, strict=True)}


def _posted(event_ids: list[int]) -> dict[int, dict[tuple[int, str], tuple[Decimal, int | None]]]:
    """event → (partner, role) → (posted sum, id of the original entry), for the given events."""
    rows = (
        AttributionEntry.objects.filter(revenue_event_id__in=event_ids)
        .values("revenue_event_id", "partner_id", "role")
        .annotate(total=Sum("amount"), original=Min("id", filter=Q(kind=AttributionEntry.Kind.ORIGINAL)))
        .order_by()
    )
    out: dict[int, dict[tuple[int, str], tuple[Decimal, int | None]]] = defaultdict(dict)
    for r in rows:
        out[r["revenue_event_id"]][(r["partner_id"], r["role"])] = (r["total"], r["original"])
    return out


def _line(
    event: dict, key: tuple[int, str], scope: str, share: Share | None, want: Decimal, posted: tuple
) -> EntryLine | None:
    have, original = posted
    if want == have:
        return None
    if original is None:
        kind, amount = AttributionEntry.Kind.ORIGINAL, want
    elif share is None or want == ZERO:
        kind, amount = AttributionEntry.Kind.REVERSAL, -have
    else:
        kind, amount = AttributionEntry.Kind.ADJUSTMENT, want - have
    return EntryLine(
        revenue_event_id=event["id"],
        partner_id=key[0],
        role=key[1],
        scope=scope,
        split_percent=share.percent if share is not None else ZERO,
        amount=amount,
        period_id=event["period_id"],
        revenue_period_id=event["revenue_period_id"],
        kind=kind,
        reverses_id=original,
        rule_version_id=share.rule_version_id if share is not None else None,
        explanation=share.explanation if share is not None else REMOVED_EXPLANATION,
    )


def _lines_for_slice(events: list[dict], book: SplitBook, periods: PeriodResolver) -> Iterator[EntryLine]:
    posted_by_event = _posted([e["id"] for e in events])
    nothing = (ZERO, None)
    for event in events:
        scope, desired = _desired(event, book)
        posted = posted_by_event.get(event["id"], {})
        event["revenue_period_id"] = periods.revenue_period(event["date"]).pk
        event["period_id"] = periods.posting_period(event["date"]).pk
        for key in sorted(desired.keys() | posted.keys()):
            share, want = desired.get(key, (None, ZERO))
            line = _line(event, key, scope, share, want, posted.get(key, nothing))
            if line is not None:
                yield line


def _event_slices(organization: Organization, event_filter: Q) -> Iterator[list[dict]]:
    qs = (
        RevenueEvent.objects.filter(event_filter, organization=organization)
        .order_by("id")
        .values("id", "account_id", "opportunity_id", "date", "amount")
    )
    last_id = 0
    while True:
        chunk = list(qs.filter(id__gt=last_id)[:EVENT_SLICE])
        if not chunk:
            return
        yield chunk
        last_id = chunk[-1]["id"]


def _tally(result: RecomputeResult, lines: Iterable[EntryLine]) -> Iterator[EntryLine]:
    for line in lines:
        result.entries += 1
        result.by_kind[line.kind] += 1
        result.totals_by_partner[line.partner_id] += line.amount
        yield line


def attribution_recompute(
    *,
    organization: Organization,
    actor=None,
    dry_run: bool = False,
    event_ids: Iterable[int] | None = None,
    opportunity_ids: Iterable[int] | None = None,
    account_ids: Iterable[int] | None = None,
) -> RecomputeResult:
    """Post the difference between the current splits and the ledger; see the module docstring.

    With no filter every revenue event of the organization is compared; `event_ids`,
    `opportunity_ids` or `account_ids` narrow it (an account's filter covers its deals' events).
    On a dry run nothing is written and the result says what would be posted.
    """
    event_filter = Q()
    if event_ids is not None:
        event_filter &= Q(id__in=list(event_ids))
    if opportunity_ids is not None or account_ids is not None:
        event_filter &= Q(opportunity_id__in=list(opportunity_ids or ())) | Q(
            account_id__in=list(account_ids or ())
        )
    result = RecomputeResult(dry_run=dry_run)
    with transaction.atomic():
        # Take the ledger lock first: splits and postings must not interleave with another
        # recompute, or both would post the same difference.
        lock_ledger(organization_id=organization.pk)
        book = split_book_load(organization=organization)
        periods = PeriodResolver(organization)
        for events in _event_slices(organization, event_filter):
            result.events += len(events)
            lines = _tally(result, _lines_for_slice(events, book, periods))
            if dry_run:
                deque(lines, maxlen=0)  # consume: tally without writing
            else:
                ledger_post(organization=organization, lines=lines, actor=actor)
        if dry_run:
            transaction.set_rollback(True)  # periods created while resolving are not kept
    return result
