"""Recompute's first posting in columns: every share of events with nothing posted, over whole slices.

When the ledger holds no entry yet (an organization's first posting, by far its biggest),
recompute posts an `original` entry for each share of each event with a non-zero amount —
exactly the rows `recompute._slice_rows` builds one by one, in the same order (event id, then
share in (partner id, role) order). Here they are built over whole slices with numpy instead:

- the events are read first, as integer columns (id, deal, account, month, cents), so nothing
  is sent on the connection while the ledger kit's single COPY is open;
- every deal's and account's shares become one row of a weights matrix (`_Plans`), and the
  amounts of a whole slice are split at once (`split_cents_rows`, the same integer rule as
  `split_cents`; the rare undecided rows go through the Decimal rule `split_amounts`);
- each entry's hash body is three preformatted parts: the posting period (per month), the
  amount and event id, and the share's fields with the revenue period (per share and month);
- the totals and the partner-deal months are summed from these columns, not re-read.

The ledger kit (`revops.ledger.prepared`) chains the bodies and streams them while the next
slice is computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BigIntegerField, F, Q, Value
from django.db.models.functions import Cast, Coalesce, ExtractMonth, ExtractYear, Round

from attribution.models import AttributionEntry, AttributionPartnerDeal, RevenueEvent
from attribution.models.ledger import ATTRIBUTION_LEDGER, partner_deal_months_add
from attribution.selectors.splits import Share, SplitBook
from attribution.services.ledger_writer import ExplanationIds
from attribution.services.periods import PeriodResolver
from attribution.services.posting import ShareInput, split_amounts, split_cents_rows
from revops.bulk import ReadAlongside
from revops.ledger import binary as pg_binary
from revops.ledger.prepared import EntryBatch, ledger_append_prepared
from revops.models import Organization

ORIGINAL = AttributionEntry.Kind.ORIGINAL.value
# Events read per query (five integers each; on PostgreSQL, per packed row by id range):
# reading is done before the COPY opens.
EVENT_READ = 100_000
# Events per prepared batch: big enough that numpy's per-call costs vanish, small enough that
# the server starts inserting early and a batch's columns stay a few tens of MB.
BATCH_EVENTS = 25_000
EVENT_COLUMNS = ("ev_id", "ev_deal", "ev_account", "ev_month", "ev_cents")
# PostgreSQL's binary form of a one-dimensional int8 array without NULLs (array_send): a
# 20-byte header (dimensions, NULL flag, element type, length, lower bound), then per element
# its length (4 bytes) and value (8 bytes), big-endian.
INT8_ARRAY_HEADER = 20
INT8_ARRAY_ITEM = np.dtype([("length", ">i4"), ("value", ">i8")])
TWO_DIGITS = np.array([f"{i:02d}" for i in range(100)], dtype=object)
SIGNS = np.array(["", "-"], dtype=object)


def event_columns(organization: Organization, event_filter: Q) -> np.ndarray:
    """The events as an (n, 5) int64 array: id, deal id (0: none), account id (0: none), month
    index (year × 12 + month − 1), amount in cents; in id order."""
    with event_columns_alongside(organization, event_filter) as read:
        return read.result()


def event_columns_alongside(organization: Organization, event_filter: Q) -> ReadAlongside:
    """`event_columns` as a read the server runs while Python computes (the split book)."""
    qs = (
        RevenueEvent.objects.filter(event_filter, organization=organization)
        .annotate(
            ev_id=F("id"),
            ev_deal=Coalesce(F("opportunity_id"), Value(0)),
            ev_account=Coalesce(F("account_id"), Value(0)),
            ev_month=Cast(ExtractYear("date") * 12 + ExtractMonth("date") - 1, BigIntegerField()),
            ev_cents=Cast(Round(F("amount") * 100), BigIntegerField()),
        )
        .values_list(*EVENT_COLUMNS)
    )
    if connection.vendor != "postgresql":
        return ReadAlongside(lambda _cursor: _event_pages(qs))
    try:
        inner, params = qs.order_by().query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (an empty id list)
        return ReadAlongside(lambda _cursor: np.zeros((0, 5), dtype=np.int64))
    packed = ", ".join(f"array_send(array_agg(s.{c}))" for c in EVENT_COLUMNS)
    # the inner query is the queryset's own SQL; its values stay bound
    sql = f"SELECT {packed} FROM ({inner}) s GROUP BY s.ev_id / {EVENT_READ}"  # noqa: S608
    return ReadAlongside(lambda cursor: _event_arrays(cursor, sql, params))


def _event_pages(qs) -> np.ndarray:
    """`event_columns` elsewhere than PostgreSQL: pages of EVENT_READ rows in id order."""
    qs = qs.order_by("id")
    parts = []
    last_id = 0
    while True:
        # The query's own SQL on a plain cursor: the values are integers already, Django's
        # per-value converters would cost more than the read.
        try:
            sql, params = qs.filter(id__gt=last_id)[:EVENT_READ].query.sql_with_params()
        except EmptyResultSet:  # a filter that matches nothing (an empty id list)
            break
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            chunk = cursor.fetchall()
        if not chunk:
            break
        parts.append(np.array(chunk, dtype=np.int64))
        last_id = int(chunk[-1][0])
    return np.concatenate(parts) if parts else np.zeros((0, 5), dtype=np.int64)


def _event_arrays(cursor, sql: str, params) -> np.ndarray:
    """`event_columns` on PostgreSQL: the server packs the columns into binary int8 arrays,
    one row per EVENT_READ ids, which numpy reads as they are.

    A million rows of five integers cost about 2.5 s to fetch as Python tuples and 3.3 s
    through a row-by-row COPY; as arrays, about 1 s. Every aggregate of one query sees the
    rows in the same order, so the five arrays of a row stay aligned; the rows are put in id
    order here.
    """
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    if not rows:
        return np.zeros((0, 5), dtype=np.int64)
    columns = [
        np.concatenate(
            [np.frombuffer(row[i], dtype=INT8_ARRAY_ITEM, offset=INT8_ARRAY_HEADER)["value"] for row in rows]
        )
        for i in range(len(EVENT_COLUMNS))
    ]
    events = np.stack(columns, axis=1).astype(np.int64)
    return events[np.argsort(events[:, 0], kind="stable")]


class _Plans:
    """Every target's shares as matrix rows: weights (hundredths of a percent), share numbers.

    A share number names a distinct (partner, role, scope, percent text, rule version,
    explanation id); targets without shares have no row (plan −1).
    """

    def __init__(self, book: SplitBook, events: np.ndarray, explanations: ExplanationIds):
        deal_ids = np.unique(events[events[:, 1] > 0, 1])
        account_ids = np.unique(events[(events[:, 1] == 0) & (events[:, 2] > 0), 2])
        targets: list[tuple[str, int, tuple[Share, ...]]] = [
            ("opportunity", d, book.deal_shares[d]) for d in deal_ids.tolist() if book.deal_shares.get(d)
        ]
        targets += [
            ("account", a, book.account_shares[a]) for a in account_ids.tolist() if book.account_shares.get(a)
        ]
        # Shares reuse one dict per rule outcome: each distinct dict is stored once.
        explanations.store({id(s.explanation): s.explanation for _, _, t in targets for s in t}.values())
        self.width = max((len(shares) for _, _, shares in targets), default=1)
        self.weights = np.zeros((len(targets), self.width), dtype=np.int64)
        self.shares = np.full((len(targets), self.width), -1, dtype=np.int64)
        self.counts = np.zeros(len(targets), dtype=np.int64)
        self.targets = targets
        self.share_fields: list[tuple] = []
        id_of = explanations.id_of
        index: dict[tuple, int] = {}
        percent_texts: dict[Decimal, tuple[str, int]] = {}
        for p, (scope, _, shares) in enumerate(targets):
            self.counts[p] = len(shares)
            for j, s in enumerate(shares):
                percent = percent_texts.get(s.percent)
                if percent is None:
                    percent = percent_texts[s.percent] = (f"{s.percent:.2f}", int(s.percent.scaleb(2)))
                fields = (s.partner_id, s.role, scope, percent[0], s.rule_version_id, id_of(s.explanation))
                number = index.get(fields)
                if number is None:
                    number = index[fields] = len(self.share_fields)
                    self.share_fields.append(fields)
                self.weights[p, j] = percent[1]
                self.shares[p, j] = number
        # Each share's totals key fields (partner, role, scope), numbered.
        self.total_fields: list[tuple[int, str, str]] = []
        total_index: dict[tuple, int] = {}
        of_share = []
        for fields in self.share_fields:
            key = fields[:3]
            number = total_index.get(key)
            if number is None:
                number = total_index[key] = len(self.total_fields)
                self.total_fields.append(key)
            of_share.append(number)
        self.total_of_share = np.array(of_share or [0], dtype=np.int64)
        self.share_partner = np.array([f[0] for f in self.share_fields] or [0], dtype=np.int64)
        self.is_deal = np.array([t[0] == "opportunity" for t in targets] or [False])
        self.target_ids = np.array([t[1] for t in targets] or [0], dtype=np.int64)
        self._deal_keys, self._deal_plans = self._keys("opportunity")
        self._account_keys, self._account_plans = self._keys("account")

    def _keys(self, scope: str) -> tuple[np.ndarray, np.ndarray]:
        plans = np.array([p for p, t in enumerate(self.targets) if t[0] == scope], dtype=np.int64)
        keys = np.array([self.targets[p][1] for p in plans.tolist()], dtype=np.int64)
        return keys, plans  # ascending: targets were listed in id order per scope

    def of_events(self, events: np.ndarray) -> np.ndarray:
        """Each event's plan (−1: no shares): its deal's when it has a deal, else its account's."""
        out = np.full(len(events), -1, dtype=np.int64)
        has_deal = events[:, 1] > 0
        for mask, column, keys, plans in (
            (has_deal, 1, self._deal_keys, self._deal_plans),
            (~has_deal, 2, self._account_keys, self._account_plans),
        ):
            if not len(keys):
                continue
            wanted = events[mask, column]
            at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            out[mask] = np.where(keys[at] == wanted, plans[at], -1)
        return out

    def shares_of(self, plan: int) -> tuple[Share, ...]:
        return self.targets[plan][2]


class _Months:
    """Per month of the events: posting and revenue period ids, and the revenue period's start."""

    def __init__(self, organization: Organization, months: np.ndarray):
        resolver = PeriodResolver(organization)
        self.first = int(months.min()) if len(months) else 0
        span = int(months.max()) - self.first + 1 if len(months) else 1
        self.count = span
        self.posting = np.zeros(span, dtype=np.int64)
        self.revenue = np.zeros(span, dtype=np.int64)
        self.starts: list[dt.date | None] = [None] * span
        for m in np.unique(months).tolist():
            day = dt.date(m // 12, m % 12 + 1, 1)
            local = m - self.first
            self.posting[local] = resolver.posting_period(day).pk
            revenue = resolver.revenue_period(day)
            self.revenue[local] = revenue.pk
            self.starts[local] = revenue.start_date
        # Each month's body start: "posting period|original||" (no entry it starts corrects one).
        self.prefix = np.array([f"{p}|{ORIGINAL}||" for p in self.posting.tolist()], dtype=object)


# A first posting's entry body in binary COPY form, up to its share's part: posting period,
# kind (always original), the entry it corrects (none), amount and revenue event.
BINARY_BODY = np.dtype(
    [
        ("period", pg_binary.INT8),
        ("kind_length", ">i4"),
        ("kind", f"S{len(ORIGINAL)}"),
        ("corrects", ">i4"),
        ("amount", pg_binary.NUMERIC),
        ("event", pg_binary.INT8),
    ]
)


class FirstPosting:
    """The batches of a first posting (an iterator for the kit) and what they add up to.

    With `binary` each batch also carries its bodies in binary COPY form (for PostgreSQL).
    """

    def __init__(
        self,
        organization: Organization,
        book: SplitBook,
        events: np.ndarray,
        explanations,
        *,
        binary: bool = False,
    ):
        self.organization = organization
        self.binary = binary
        self.events = events
        self.plans = _Plans(book, events, explanations)
        self.months = _Months(organization, events[:, 3])
        self.event_plans = self.plans.of_events(events)
        n_shares = max(len(self.plans.share_fields), 1)
        self._suffix = np.empty(n_shares * self.months.count, dtype=object)
        self._suffix_binary = np.empty(n_shares * self.months.count, dtype=object)
        self._shares_binary: dict[int, tuple[bytes, bytes]] = {}
        self._month_binary = [pg_binary.int8_bytes(int(r)) for r in self.months.revenue.tolist()]
        self._suffix_known = np.zeros(n_shares * self.months.count, dtype=bool)
        # Per (plan, share slot): first and last month index credited (for the partner-deal table).
        self.first_month = np.full(self.plans.shares.shape, np.iinfo(np.int64).max, dtype=np.int64)
        self.last_month = np.full(self.plans.shares.shape, -1, dtype=np.int64)
        # Per (totals share, month): entries and cents, summed over the batches in int64.
        self.total_counts = np.zeros(len(self.plans.total_fields) * self.months.count, dtype=np.int64)
        self.total_cents = np.zeros(len(self.plans.total_fields) * self.months.count, dtype=np.int64)
        self.entries = 0
        self.cents_by_partner: dict[int, int] = {}
        self._pair_columns: tuple[list[int], list[int], list[str], list[str]] | None = None
        # No pair of this organization yet (an empty ledger has none): inserted, not upserted.
        self._pairs_fresh = not AttributionPartnerDeal.objects.filter(organization=organization).exists()

    def __iter__(self) -> Iterator[EntryBatch]:
        for start in range(0, len(self.events), BATCH_EVENTS):
            batch = self._batch(start, start + BATCH_EVENTS)
            if batch is not None:
                yield batch
        totals = self._totals()
        self._pair_columns = self._partner_deal_columns()
        yield EntryBatch(bodies=[], totals=totals)  # the posting's totals, once

    def _amounts(self, cents: np.ndarray, plans: np.ndarray) -> np.ndarray:
        amounts, undecided = split_cents_rows(cents, self.plans.weights[plans], self.plans.counts[plans])
        for i in undecided:  # a remainder tie only Decimal arithmetic settles: the reference rule
            shares = self.plans.shares_of(int(plans[i]))
            exact = split_amounts(
                Decimal(int(cents[i])).scaleb(-2),
                [ShareInput(s.partner_id, s.role, s.percent) for s in shares],
            )
            amounts[i, : len(shares)] = [int(a.scaleb(2)) for a in exact]
        return amounts

    def _suffixes(self, combos: np.ndarray) -> np.ndarray:
        """Per (share, month) combination: "partner|role|scope|percent|revenue period|version|explanation"."""
        missing = np.unique(combos[~self._suffix_known[combos]])
        months = self.months.count
        for combo in missing.tolist():
            partner, role, scope, percent, version, explanation = self.plans.share_fields[combo // months]
            revenue = self.months.revenue[combo % months]
            version_text = "" if version is None else version
            self._suffix[combo] = f"{partner}|{role}|{scope}|{percent}|{revenue}|{version_text}|{explanation}"
            if self.binary:
                before, after = self._share_binary(combo // months)
                self._suffix_binary[combo] = before + self._month_binary[combo % months] + after
        self._suffix_known[missing] = True
        return self._suffix[combos]

    def _share_binary(self, share: int) -> tuple[bytes, bytes]:
        """A share's binary fields before the revenue period (partner, role, scope, percent) and
        after it (rule version, explanation), encoded once per share."""
        got = self._shares_binary.get(share)
        if got is None:
            partner, role, scope, percent, version, explanation = self.plans.share_fields[share]
            got = self._shares_binary[share] = (
                pg_binary.int8_bytes(partner)
                + pg_binary.text_bytes(role)
                + pg_binary.text_bytes(scope)
                + pg_binary.numeric_bytes(Decimal(percent)),
                pg_binary.int8_bytes(version) + pg_binary.int8_bytes(explanation),
            )
        return got

    def _binary(
        self, month: np.ndarray, cents: np.ndarray, event_ids: np.ndarray, combos: np.ndarray
    ) -> list[bytes]:
        """The batch's bodies in binary COPY form (`_suffixes` has filled the share parts)."""
        fixed = np.zeros(len(cents), dtype=BINARY_BODY)
        pg_binary.int8s(fixed["period"], self.months.posting[month])
        fixed["kind_length"] = len(ORIGINAL)
        fixed["kind"] = ORIGINAL.encode()
        fixed["corrects"] = -1  # NULL
        pg_binary.numeric_cents(fixed["amount"], cents)
        pg_binary.int8s(fixed["event"], event_ids)
        return [
            body + share
            for body, share in zip(pg_binary.rows(fixed), self._suffix_binary[combos].tolist(), strict=True)
        ]

    def _batch(self, start: int, stop: int) -> EntryBatch | None:
        events = self.events[start:stop]
        plans = self.event_plans[start:stop]
        with_shares = np.flatnonzero(plans >= 0)
        if not len(with_shares):
            return None
        events, plans = events[with_shares], plans[with_shares]
        amounts = self._amounts(events[:, 4], plans)
        shares = self.plans.shares[plans]
        rows, slots = np.nonzero((shares >= 0) & (amounts != 0))  # event order, then share order
        if not len(rows):
            return None
        share = shares[rows, slots]
        cents = amounts[rows, slots]
        event_ids = events[rows, 0]
        month = events[rows, 3] - self.months.first
        combos = share * self.months.count + month
        magnitude = np.abs(cents)
        bodies = [
            f"{prefix}{sign}{whole}.{part}|{event}|{suffix}"
            for prefix, sign, whole, part, event, suffix in zip(
                self.months.prefix[month].tolist(),
                SIGNS[(cents < 0).astype(np.int64)].tolist(),
                (magnitude // 100).tolist(),
                TWO_DIGITS[magnitude % 100].tolist(),
                event_ids.tolist(),
                self._suffixes(combos).tolist(),
                strict=True,
            )
        ]
        self._deal_months(plans[rows], slots, month)
        self.entries += len(bodies)
        keyed = self.plans.total_of_share[share] * self.months.count + month
        np.add.at(self.total_counts, keyed, 1)
        np.add.at(self.total_cents, keyed, cents)
        return EntryBatch(
            bodies=bodies,
            references={"revenue_event_id": event_ids},
            binary=self._binary(month, cents, event_ids, combos) if self.binary else None,
        )

    def _deal_months(self, plans: np.ndarray, slots: np.ndarray, month: np.ndarray) -> None:
        on_deals = self.plans.is_deal[plans]
        at = (plans[on_deals], slots[on_deals])
        np.minimum.at(self.first_month, at, month[on_deals])
        np.maximum.at(self.last_month, at, month[on_deals])

    def _totals(self) -> dict[tuple, list[int]]:
        """{(period, revenue period, partner, role, kind, scope): [entries, cents]} of the posting."""
        months = self.months.count
        out: dict[tuple, list[int]] = {}
        for keyed in np.flatnonzero(self.total_counts).tolist():
            partner, role, scope = self.plans.total_fields[keyed // months]
            month = keyed % months
            key = (
                int(self.months.posting[month]),
                int(self.months.revenue[month]),
                partner,
                role,
                ORIGINAL,
                scope,
            )
            got = out.get(key)  # two months may post in one period (a closed month's entries)
            count, cents = int(self.total_counts[keyed]), int(self.total_cents[keyed])
            if got is None:
                out[key] = [count, cents]
            else:
                got[0] += count
                got[1] += cents
            self.cents_by_partner[partner] = self.cents_by_partner.get(partner, 0) + cents
        return out

    def references(self) -> dict[str, set]:
        """The distinct periods, partners, rule versions and explanations the shares cite."""
        fields = self.plans.share_fields
        return {
            "period_id": set(self.months.posting.tolist()) - {0},
            "partner_id": {f[0] for f in fields},
            "revenue_period_id": set(self.months.revenue.tolist()) - {0},
            "rule_version_id": {f[4] for f in fields} - {None},
            "explanation_ref_id": {f[5] for f in fields},
        }

    def _partner_deal_columns(self) -> tuple[list[int], list[int], list[str], list[str]]:
        """Each (partner, deal) pair credited, with its first and last revenue month (ISO dates):
        four columns, in (partner, deal) order. A partner with two roles on a deal is one pair."""
        plans, slots = np.nonzero((self.last_month >= 0) & self.plans.is_deal[:, None])
        partners = self.plans.share_partner[self.plans.shares[plans, slots]]
        deals = self.plans.target_ids[plans]
        order = np.lexsort((deals, partners))
        partners, deals = partners[order], deals[order]
        firsts, lasts = self.first_month[plans, slots][order], self.last_month[plans, slots][order]
        if not len(order):
            return [], [], [], []
        starts = np.flatnonzero(np.r_[True, (partners[1:] != partners[:-1]) | (deals[1:] != deals[:-1])])
        iso = [None if day is None else day.isoformat() for day in self.months.starts]
        return (
            partners[starts].tolist(),
            deals[starts].tolist(),
            [iso[m] for m in np.minimum.reduceat(firsts, starts).tolist()],
            [iso[m] for m in np.maximum.reduceat(lasts, starts).tolist()],
        )

    def partner_deals(self) -> None:
        """Record each (partner, deal) pair credited, with its first and last revenue month.

        The pairs are summed when the last batch has been handed over, while the server still
        inserts the entries; here they are only written.
        """
        if self._pair_columns is None:
            self._pair_columns = self._partner_deal_columns()
        partner_deal_months_add(self.organization.pk, *self._pair_columns, fresh=self._pairs_fresh)


def first_posting_write(
    *,
    organization: Organization,
    book: SplitBook,
    event_filter: Q,
    created_by_id: int | None,
    binary: bool | None = None,
    events: np.ndarray | None = None,
) -> tuple[int, FirstPosting]:
    """Post every share of the filtered events into an empty ledger; (events read, the posting).

    `events` are the filtered events' columns when the caller has read them already
    (`event_columns_alongside`); `binary` (default: on PostgreSQL) sends the rows in binary
    COPY form.
    """
    if events is None:
        events = event_columns(organization, event_filter)
    if binary is None:
        binary = connection.vendor == "postgresql"
    posting = FirstPosting(organization, book, events, ExplanationIds(organization.pk), binary=binary)
    ledger_append_prepared(
        spec=ATTRIBUTION_LEDGER,
        organization_id=organization.pk,
        batches=_with_references(posting),
        created_by_id=created_by_id,
        side_tables=posting.partner_deals,
    )
    return len(events), posting


def _with_references(posting: FirstPosting) -> Iterator[EntryBatch]:
    """The posting's batches, the first one also citing the shares' and months' references."""
    first = True
    for batch in posting:
        if first:
            batch.references.update(posting.references())
            first = False
        yield batch
