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

The first posting of a ledger (no entry yet, not a dry run, no reference) is all originals:
it is built in columns over whole slices and streamed through one COPY
(`attribution.services.recompute_columns`); the rows are the ones built here, in the same order.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Min, Q, Sum

from attribution.locks import lock_ledger
from attribution.models import AttributionEntry, RevenueEvent
from attribution.selectors.rule_sets import RuleSet
from attribution.selectors.splits import (
    Share,
    SplitBook,
    split_book_changes,
    split_book_load,
    split_books_for_rule_change,
)
from attribution.services.ledger_writer import EntryRow, ExplanationIds, ledger_entry_rows_append
from attribution.services.periods import PeriodResolver
from attribution.services.posting import ShareInput, split_amounts, split_cents, split_cents_many
from attribution.services.recompute_columns import event_columns_alongside, first_posting_write
from revops.models import Organization

ZERO = Decimal("0.00")
# Events are compared and posted in slices of this many, so memory stays flat on big books
# (one slice holds its events, their desired shares and their posted sums).
EVENT_SLICE = 50_000
# Up to this many event ids are passed as a list when reading their posted sums (SQLite takes
# at most 32,766 parameters); past it a subquery does.
POSTED_IDS_MAX = 30_000
ORIGINAL = AttributionEntry.Kind.ORIGINAL.value
REVERSAL = AttributionEntry.Kind.REVERSAL.value
ADJUSTMENT = AttributionEntry.Kind.ADJUSTMENT.value
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


# One target's (deal's or account's) shares, prepared once for every event of the target:
# scope, weights in hundredths of a percent and their sum, the shares themselves, and per
# share the row fields that do not depend on the event: ((partner, role), partner, role,
# percent text, rule version, explanation) — the explanation dict until `store_pending`
# replaces it with its stored id.
_Plan = tuple[
    str, list[int], int, tuple[Share, ...], list[tuple[tuple[int, str], int, str, str, int | None, Any]]
]


class _Plans:
    """Per-target share plans, per-date period ids and stored explanations, computed on first use."""

    def __init__(self, book: SplitBook, periods: PeriodResolver, explanations: ExplanationIds):
        self.book = book
        self.periods = periods
        self.explanations = explanations
        self.deals: dict[int, _Plan] = {}
        self.accounts: dict[int, _Plan] = {}
        self.dates: dict[dt.date, tuple[int, int]] = {}
        self.pending: list[_Plan] = []
        self._removed_id: int | None = None

    def store_pending(self) -> None:
        """Store the explanations of the plans built since the last call; fields cite their ids."""
        if not self.pending:
            return
        self.explanations.store(f[5] for plan in self.pending for f in plan[4])
        id_of = self.explanations.id_of
        for plan in self.pending:
            fields = plan[4]
            for i, f in enumerate(fields):
                fields[i] = (f[0], f[1], f[2], f[3], f[4], id_of(f[5]))
        self.pending.clear()

    def removed_id(self) -> int:
        """The stored id of the explanation of a reversal whose partner has no share any more."""
        if self._removed_id is None:
            self.explanations.store([REMOVED_EXPLANATION])
            self._removed_id = self.explanations.id_of(REMOVED_EXPLANATION)
        return self._removed_id

    def plan(self, opportunity_id: int | None, account_id: int | None) -> _Plan:
        if opportunity_id is not None:
            plan = self.deals.get(opportunity_id)
            if plan is None:
                plan = self.deals[opportunity_id] = self._build(
                    "opportunity", self.book.deal_shares.get(opportunity_id, ())
                )
            return plan
        plan = self.accounts.get(account_id)
        if plan is None:
            plan = self.accounts[account_id] = self._build(
                "account", self.book.account_shares.get(account_id, ())
            )
        return plan

    def _build(self, scope: str, shares: tuple[Share, ...]) -> _Plan:
        weights = [int(s.percent.scaleb(2)) for s in shares]
        fields = [
            (
                (s.partner_id, s.role),
                s.partner_id,
                s.role,
                f"{s.percent:.2f}",
                s.rule_version_id,
                s.explanation,
            )
            for s in shares
        ]
        plan = (scope, weights, sum(weights), shares, fields)
        if fields:
            self.pending.append(plan)
        return plan

    def period_ids(self, day: dt.date) -> tuple[int, int]:
        """(posting period, revenue period) of a revenue date."""
        ids = self.dates.get(day)
        if ids is None:
            ids = self.dates[day] = (self.periods.posting_period(day).pk, self.periods.revenue_period(day).pk)
        return ids


def _cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def _amounts(cents: int, plan: _Plan) -> list[int]:
    _, weights, weight_sum, shares, _ = plan
    if not weights:
        return []
    amounts = split_cents(cents, weights, weight_sum)
    if amounts is None:  # a remainder tie only Decimal arithmetic settles: use the reference rule
        exact = split_amounts(
            Decimal(cents).scaleb(-2), [ShareInput(s.partner_id, s.role, s.percent) for s in shares]
        )
        amounts = [_cents(a) for a in exact]
    return amounts


def _posted_sums(scope: Q) -> dict[int, dict[tuple[int, str], tuple]]:
    """event → (partner, role) → (posted cents, id of the original entry), summed in SQL."""
    rows = (
        AttributionEntry.objects.filter(scope)
        .values_list("revenue_event_id", "partner_id", "role")
        .annotate(total=Sum("amount"), original=Min("id", filter=Q(kind=AttributionEntry.Kind.ORIGINAL)))
        .order_by()
    )
    out: dict[int, dict[tuple[int, str], tuple]] = defaultdict(dict)
    for event_id, partner_id, role, total, original in rows:
        out[event_id][(partner_id, role)] = (_cents(total), original)
    return out


def _posted(organization: Organization, event_ids: list[int]) -> dict[int, dict[tuple[int, str], tuple]]:
    """The posted sums of a slice of events (`_posted_sums`); `event_ids` is ascending.

    A dense slice (every event of a range, the full recompute) is read by id range; a sparse
    one by its ids, so the sums never scan the entries of events outside the slice.
    """
    first, last = event_ids[0], event_ids[-1]
    if last - first < 2 * len(event_ids):
        scope = Q(revenue_event_id__gte=first, revenue_event_id__lte=last)
    else:
        scope = Q(revenue_event_id__in=event_ids)
    return _posted_sums(scope & Q(organization=organization))


def _changed_rows(
    event: tuple, plan: _Plan, amounts: list[int], posted: dict, period_ids: tuple, plans: _Plans
) -> Iterator[EntryRow]:
    """Rows for an event that already has entries: only the differences (module docstring)."""
    event_id = event[0]
    scope, fields = plan[0], plan[4]
    desired = {f[0]: (f, a) for f, a in zip(fields, amounts, strict=True)}
    for key in sorted(desired.keys() | posted.keys()):
        share, want = desired.get(key, (None, 0))
        have, original = posted.get(key, (0, None))
        if want == have:
            continue
        if original is None:
            kind, cents = ORIGINAL, want
        elif share is None or want == 0:
            kind, cents = REVERSAL, -have
        else:
            kind, cents = ADJUSTMENT, want - have
        if share is None:
            percent, version, explanation = "0.00", None, plans.removed_id()
        else:
            percent, version, explanation = share[3], share[4], share[5]
        yield (
            period_ids[0],
            kind,
            original,
            cents,
            event_id,
            key[0],
            key[1],
            scope,
            percent,
            period_ids[1],
            version,
            explanation,
        )


def _slice_amounts(events: list[tuple], plans: _Plans) -> tuple[list[_Plan], list[list[int]]]:
    """Each event's plan and amounts; events sharing a set of weights are split at once (numpy)."""
    event_plans = [plans.plan(event[2], event[1]) for event in events]
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, plan in enumerate(event_plans):
        groups[(tuple(plan[1]), plan[2])].append(i)
    amounts: list[list[int]] = [[]] * len(events)
    for (weights, weight_sum), indexes in groups.items():
        if not weights:
            continue
        split = split_cents_many([_cents(events[i][4]) for i in indexes], weights, weight_sum)
        for i, got in zip(indexes, split, strict=True):
            # None: a remainder tie only the Decimal rule settles (`_amounts` applies it)
            amounts[i] = got if got is not None else _amounts(_cents(events[i][4]), event_plans[i])
    return event_plans, amounts


def _slice_rows(events: list[tuple], plans: _Plans, posted_by_event: dict) -> list[EntryRow]:
    """The slice's rows, built in the ledger kit's layout (`EntryRow`), explanations stored."""
    rows: list[EntryRow] = []
    append = rows.append
    event_plans, event_amounts = _slice_amounts(events, plans)
    plans.store_pending()
    for event, plan, amounts in zip(events, event_plans, event_amounts, strict=True):
        event_id, day = event[0], event[3]
        period_id, revenue_period_id = plans.period_ids(day)
        posted = posted_by_event.get(event_id)
        if posted:
            rows.extend(_changed_rows(event, plan, amounts, posted, (period_id, revenue_period_id), plans))
            continue
        scope = plan[0]
        for (_, partner_id, role, percent, version, explanation), cents in zip(plan[4], amounts, strict=True):
            if cents:
                append(
                    (
                        period_id,
                        ORIGINAL,
                        None,
                        cents,
                        event_id,
                        partner_id,
                        role,
                        scope,
                        percent,
                        revenue_period_id,
                        version,
                        explanation,
                    )
                )
    return rows


def _event_slices(organization: Organization, event_filter: Q) -> Iterator[list[tuple]]:
    qs = (
        RevenueEvent.objects.filter(event_filter, organization=organization)
        .order_by("id")
        .values_list("id", "account_id", "opportunity_id", "date", "amount")
    )
    last_id = 0
    while True:
        chunk = list(qs.filter(id__gt=last_id)[:EVENT_SLICE])
        if not chunk:
            return
        yield chunk
        last_id = chunk[-1][0]


def _with_reference(rows: list[EntryRow], reference: dict, explanations: ExplanationIds) -> list[EntryRow]:
    """The rows with `reference` in their explanation (the last field of a row, a stored id)."""
    referenced = {
        pk: {**explanations.content(pk), "reference": dict(reference)} for pk in {row[11] for row in rows}
    }
    explanations.store(referenced.values())
    ids = {pk: explanations.id_of(content) for pk, content in referenced.items()}
    return [(*row[:11], ids[row[11]]) for row in rows]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a recompute, as `distribution.engine.distribute` does.

    A recompute holds the split book and a slice of rows (millions of objects on a big book)
    and creates no reference cycles; the collector's full passes over every live object, run
    again and again as rows are allocated, cost seconds per posting (profiled at 2,000 deals:
    3.9 s of 30 s under the profiler charged to building explanations alone).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _tally(result: RecomputeResult, rows: list[EntryRow], cents_by_partner: Counter) -> None:
    result.entries += len(rows)
    result.by_kind.update(r[1] for r in rows)
    for r in rows:
        cents_by_partner[r[5]] += r[3]


def attribution_recompute(
    *,
    organization: Organization,
    actor=None,
    dry_run: bool = False,
    event_ids: Iterable[int] | None = None,
    opportunity_ids: Iterable[int] | None = None,
    account_ids: Iterable[int] | None = None,
    previous_book: SplitBook | None = None,
    previous_rules: RuleSet | None = None,
    book: SplitBook | None = None,
    reference: dict | None = None,
) -> RecomputeResult:
    """Post the difference between the current splits and the ledger; see the module docstring.

    With no filter every revenue event of the organization is compared; `event_ids`,
    `opportunity_ids` or `account_ids` narrow it (an account's filter covers its deals' events).
    `previous_book` (the splits the ledger was last brought in line with, e.g. loaded before a
    rule change) narrows it further to the deals and accounts whose shares differ from it.
    `previous_rules` (the rule set the ledger was last brought in line with, from
    `active_rule_specs` before a rule change, nothing else changed since) does the same
    without a second split book: the facts of the accounts the changed rules can reach are
    loaded once and split under both rule sets (`split_books_for_rule_change`).
    `book` (the current splits, already computed for every deal and account the filters reach,
    as the ledger alignment does) is used as it is.
    `reference` (what caused this posting, e.g. ``{"kind": "partner_dispute", "id": 12}``) is
    stored in the explanation of every entry posted, so each entry names its cause.
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
    cents_by_partner: Counter = Counter()
    created_by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    with _gc_paused(), transaction.atomic():
        # Take the ledger lock first: splits and postings must not interleave with another
        # recompute, or both would post the same difference.
        lock_ledger(organization_id=organization.pk)
        # A ledger with no entry yet has nothing posted to compare with (the first posting).
        has_entries = AttributionEntry.objects.filter(organization=organization).exists()
        # The first posting (nothing posted to compare with): every share of every event is an
        # original entry, built in columns and streamed through one COPY (recompute_columns).
        in_columns = not has_entries and not dry_run and reference is None
        events_read = None
        if book is None and previous_rules is not None:
            previous_book, book = split_books_for_rule_change(
                organization=organization, before=previous_rules
            )
        elif book is None:
            # A whole first posting reads its events while the engine computes the splits.
            if in_columns and previous_book is None:
                events_read = event_columns_alongside(organization, event_filter)
            book = split_book_load(organization=organization, alongside=events_read)
        if previous_book is not None:
            deals, accounts = split_book_changes(previous_book, book)
            event_filter &= Q(opportunity_id__in=sorted(deals)) | Q(
                opportunity_id__isnull=True, account_id__in=sorted(accounts)
            )
        explanations = ExplanationIds(organization.pk)
        plans = _Plans(book, PeriodResolver(organization), explanations)
        everything = not event_filter
        # A filtered recompute's events are scattered over the ledger: their posted sums are read
        # in one query (one pass over the entries) rather than one per slice. The event ids are
        # listed first: as a subquery the planner scans every entry of the organization.
        posted_all = None
        if has_entries and not everything:
            events_qs = RevenueEvent.objects.filter(event_filter, organization=organization)
            wanted = list(events_qs.values_list("id", flat=True)[: POSTED_IDS_MAX + 1])
            if len(wanted) > POSTED_IDS_MAX:  # too many to list as parameters: a subquery
                wanted = events_qs.values("id")
            posted_all = _posted_sums(Q(organization=organization) & Q(revenue_event_id__in=wanted))
        if in_columns:
            read, posting = first_posting_write(
                organization=organization,
                book=book,
                event_filter=event_filter,
                created_by_id=created_by.pk if created_by is not None else None,
                events=events_read.result() if events_read is not None else None,
            )
            result.events, result.entries = read, posting.entries
            if posting.entries:
                result.by_kind[ORIGINAL] = posting.entries
            cents_by_partner.update(posting.cents_by_partner)
        for events in () if in_columns else _event_slices(organization, event_filter):
            result.events += len(events)
            if posted_all is not None:
                posted = posted_all
            else:
                posted = _posted(organization, [e[0] for e in events]) if has_entries else {}
            rows = _slice_rows(events, plans, posted)
            if reference is not None:
                rows = _with_reference(rows, reference, explanations)
            _tally(result, rows, cents_by_partner)
            if not dry_run and rows:
                ledger_entry_rows_append(
                    organization_id=organization.pk,
                    rows=rows,
                    created_by_id=created_by.pk if created_by is not None else None,
                )
        if dry_run:
            transaction.set_rollback(True)  # periods created while resolving are not kept
    for partner_id, cents in cents_by_partner.items():
        result.totals_by_partner[partner_id] = Decimal(cents).scaleb(-2)
    return result
