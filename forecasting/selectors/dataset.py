"""The organization's deals as the engine's ``DealTable``, read in a fixed number of queries.

``dataset_load`` reads every deal and its history (training, backtests, forecasts);
``scoring_dataset_load`` reads only what scoring a day needs: the deals open on it with their
own history, and the other deals' outcomes counted in the database (``ClosedHistory``). Both
give the same features for an open deal (tested).

Stage history comes from `OpportunityStageChange`; close-date pushes from the score history
(a later expected close date than on the previous score); partner involvement and journey
touches from the core providers (`revops.providers`), never from another app.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, F, Min, Q, QuerySet, Window
from django.db.models.functions import Lag, TruncDate
from django.utils import timezone

from forecasting.engine import ClosedHistory, DealTable, Examples, Touches, to_day
from forecasting.models import DealScore, OpportunityAttributes
from revops.models import Opportunity, OpportunityStageChange, Organization
from revops.models.crm import CLOSED_STAGES, OPEN_STAGES, Stage
from revops.providers import partner_touches, provider_registered, touch_summaries

STAGES = tuple(str(s) for s in OPEN_STAGES)
_STAGE_CODE = {s: i for i, s in enumerate(STAGES)}


def organization_today(organization: Organization) -> dt.date:
    """Today in the organization's time zone."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(organization.time_zone)).date()


@dataclass(frozen=True, eq=False)
class Dataset:
    table: DealTable
    names: dict[int, str]  # deal id → name
    owners: np.ndarray  # owner user id per deal (0: none)
    expected_close: dict[int, dt.date | None]
    # Scoring datasets only: the other deals' outcomes as of the day, and the organization's
    # win rate over every closed deal (the table then holds the open deals alone).
    history: ClosedHistory | None = None
    closed_total: tuple[int, int] | None = None  # (closed, won)

    @property
    def team_rate(self) -> float:
        """Share of the organization's closed deals that were won (0.5 before any)."""
        if self.closed_total is not None:
            closed, won = self.closed_total
            return won / closed if closed else 0.5
        won = self.table.won[self.table.won >= 0]
        return float(np.mean(won)) if len(won) else 0.5

    def touches_for(self, organization: Organization) -> Callable[[Examples], Touches | None]:
        return lambda examples: touches_as_of(organization, self.table, examples)


_DEAL_FIELDS = (
    "id",
    "name",
    "owner_id",
    "account_id",
    "created_date",
    "close_date",
    "stage",
    "amount",
    "expected_close_date",
    "lead_source",
    "product_line__name",
    "account__segment",
    "account__region",
    "account__industry",
)


def dataset_load(organization: Organization) -> Dataset:
    """Every deal of the organization and its history."""
    deals = Opportunity.objects.filter(organization=organization)
    rows = list(deals.order_by("id").values_list(*_DEAL_FIELDS))
    return _dataset(organization, rows, _codes([r[2] for r in rows]), _codes([r[3] for r in rows]))


def scoring_dataset_load(organization: Organization, day: dt.date) -> Dataset:
    """What scoring the deals open on ``day`` reads: those deals (created on or before it, not
    closed by then) with their own history, and the closed deals counted per owner and per
    account (closed strictly before ``day``) and in the whole organization, in the database."""
    deals = Opportunity.objects.filter(organization=organization)
    open_deals = deals.filter(created_date__lte=day).filter(
        ~Q(stage__in=list(CLOSED_STAGES)) | Q(close_date__gt=day)
    )
    rows = list(open_deals.order_by("id").values_list(*_DEAL_FIELDS))
    owners = sorted({r[2] for r in rows if r[2] is not None})
    accounts = sorted({r[3] for r in rows if r[3] is not None})
    owner_code = {pk: i for i, pk in enumerate(owners)}
    account_code = {pk: i for i, pk in enumerate(accounts)}
    closed = deals.filter(stage__in=list(CLOSED_STAGES))
    before = closed.filter(close_date__lt=day)
    won = Count("id", filter=Q(stage=Stage.CLOSED_WON))
    owner_closed, owner_won = _group_counts(before, "owner_id", owner_code, won)
    account_closed, account_won = _group_counts(before, "account_id", account_code, won)
    totals = before.aggregate(n=Count("id"), w=won)
    everything = closed.aggregate(n=Count("id"), w=won)
    history = ClosedHistory(
        day=to_day(day),
        owner_closed=owner_closed,
        owner_won=owner_won,
        account_closed=account_closed,
        account_won=account_won,
        closed=totals["n"],
        won=totals["w"],
    )
    owner_codes = np.array([-1 if r[2] is None else owner_code[r[2]] for r in rows], dtype=np.int32)
    account_codes = np.array([-1 if r[3] is None else account_code[r[3]] for r in rows], dtype=np.int32)
    data = _dataset(organization, rows, owner_codes, account_codes, only=open_deals)
    return Dataset(
        data.table,
        data.names,
        data.owners,
        data.expected_close,
        history=history,
        closed_total=(everything["n"], everything["w"]),
    )


def _group_counts(
    closed: QuerySet, field: str, code: dict[int, int], won: Count
) -> tuple[np.ndarray, np.ndarray]:
    """(deals closed, deals won) per code of ``field`` (GROUP BY in the database)."""
    n, w = np.zeros(len(code)), np.zeros(len(code))
    for pk, count, wins in (
        closed.filter(**{f"{field}__isnull": False})
        .order_by()
        .values(field)
        .annotate(n=Count("id"), w=won)
        .values_list(field, "n", "w")
    ):
        i = code.get(pk)
        if i is not None:
            n[i], w[i] = count, wins
    return n, w


def _dataset(
    organization: Organization,
    rows: list,
    owner_codes: np.ndarray,
    account_codes: np.ndarray,
    *,
    only: QuerySet | None = None,
) -> Dataset:
    """The table of ``rows`` (``_DEAL_FIELDS``, ordered by id) with their history; ``only``:
    the queryset the rows were read from, when not every deal of the organization (the
    history queries then read those deals' rows alone)."""
    mine = {} if only is None else {"opportunity__in": only.values("id")}
    n = len(rows)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    index = {pk: i for i, pk in enumerate(ids.tolist())}
    owner_ids = np.array([r[2] or 0 for r in rows], dtype=np.int64)
    won = np.array(
        [1 if r[6] == Stage.CLOSED_WON else 0 if r[6] == Stage.CLOSED_LOST else -1 for r in rows],
        dtype=np.int8,
    )
    closed = np.array(
        [to_day(r[5]) if w >= 0 else -1 for r, w in zip(rows, won, strict=True)], dtype=np.int32
    )
    categoricals = {
        "lead_source": _text([r[9] for r in rows]),
        "product_line": _text([r[10] for r in rows]),
        "segment": _text([r[11] for r in rows]),
        "region": _text([r[12] for r in rows]),
        "industry": _text([r[13] for r in rows]),
    }
    for opp_id, values in OpportunityAttributes.objects.filter(organization=organization, **mine).values_list(
        "opportunity_id", "values"
    ):
        i = index.get(opp_id)
        if i is None:
            continue
        for key, value in values.items():
            column = categoricals.setdefault(str(key), np.full(n, "", dtype=object))
            column[i] = str(value)
    hist = [
        (index[o], at, _STAGE_CODE[s])
        for o, at, s in OpportunityStageChange.objects.filter(
            organization=organization, to_stage__in=STAGES, **mine
        )
        .order_by("opportunity_id", "changed_at", "id")
        .values_list("opportunity_id", TruncDate("changed_at", tzinfo=dt.UTC), "to_stage")
        if o in index
    ]
    push = _pushes(organization, index, mine)
    since = None
    if rows:  # the organization's first deal bounds the partner events read, as in every load
        since = Opportunity.objects.filter(organization=organization).aggregate(first=Min("created_date"))[
            "first"
        ]
    partner_deal, partner_day = _partners(organization, index, since)
    table = DealTable(
        ids=ids,
        owner=owner_codes,
        account=account_codes,
        created=_days([r[4] for r in rows]),
        closed=closed,
        won=won,
        amount=np.array([float(r[7]) for r in rows], dtype=np.float64),
        stages=STAGES,
        hist_deal=np.array([h[0] for h in hist], dtype=np.int32),
        hist_day=_days([h[1] for h in hist]),
        hist_stage=np.array([h[2] for h in hist], dtype=np.int16),
        categoricals=categoricals,
        push_deal=np.array([p[0] for p in push], dtype=np.int32),
        push_day=np.array([p[1] for p in push], dtype=np.int32),
        partner_deal=partner_deal,
        partner_day=partner_day,
    )
    return Dataset(table, {r[0]: r[1] for r in rows}, owner_ids, {r[0]: r[8] for r in rows})


def _days(dates: list) -> np.ndarray:
    """Days since 1970-01-01 of dates (none None), as int32, converted by numpy in one pass."""
    return np.array(dates, dtype="datetime64[D]").astype(np.int64).astype(np.int32)


def _codes(values: list) -> np.ndarray:
    mapping: dict = {}
    return np.array(
        [-1 if v is None else mapping.setdefault(v, len(mapping)) for v in values], dtype=np.int32
    )


def _text(values: list) -> np.ndarray:
    return np.array([v or "" for v in values], dtype=object)


def _pushes(organization: Organization, index: dict[int, int], mine: dict) -> list[tuple[int, int]]:
    """A push: a score whose expected close date is later than the deal's previous score's.

    The comparison with the previous score runs in the database (a window over each deal's
    scores), so only the pushes come back, not every score of every day."""
    scores = (
        DealScore.objects.filter(organization=organization, expected_close_date__isnull=False, **mine)
        .annotate(
            before=Window(
                Lag("expected_close_date"),
                partition_by=[F("opportunity_id")],
                order_by=[F("as_of").asc(), F("id").asc()],
            )
        )
        .filter(expected_close_date__gt=F("before"))
        .order_by("opportunity_id", "as_of", "id")
        .values_list("opportunity_id", "as_of")
    )
    return [(index[opp_id], to_day(as_of)) for opp_id, as_of in scores if opp_id in index]


def _partners(
    organization: Organization, index: dict[int, int], first: dt.date | None
) -> tuple[np.ndarray, np.ndarray]:
    if first is None:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    since = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    events = [
        (index[t.opportunity_id], to_day(t.occurred_at.date()))
        for t in partner_touches(organization, since=since, until=timezone.now())
        if t.opportunity_id in index
    ]
    events.sort()
    return np.array([e[0] for e in events], dtype=np.int32), np.array([e[1] for e in events], dtype=np.int32)


def touches_as_of(organization: Organization, table: DealTable, examples: Examples) -> Touches | None:
    """Journey touches per example from the core provider, one call per distinct day
    (None when no provider is registered: the features then read "unknown")."""
    if not provider_registered("touch_summary") or len(examples) == 0:
        return None
    count = np.full(len(examples), np.nan)
    last = np.full(len(examples), -1, dtype=np.int32)
    for day in np.unique(examples.day):
        sel = np.flatnonzero(examples.day == day)
        ids = table.ids[examples.deal[sel]].tolist()
        as_of = dt.datetime.combine(
            dt.date(1970, 1, 1) + dt.timedelta(days=int(day)), dt.time.max, tzinfo=dt.UTC
        )
        found = touch_summaries(organization, ids, as_of=as_of)
        for j, pk in zip(sel, ids, strict=True):
            s = found.get(pk)
            count[j] = s.touch_count if s else 0
            if s and s.last_touch_at:
                last[j] = to_day(s.last_touch_at.date())
    return Touches(count, last)
