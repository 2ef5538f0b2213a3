"""The organization's deals as the engine's ``DealTable``, read in a fixed number of queries.

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
from django.db.models import F, Window
from django.db.models.functions import Lag
from django.utils import timezone

from forecasting.engine import DealTable, Examples, Touches, to_day
from forecasting.models import DealScore, OpportunityAttributes
from revops.models import Opportunity, OpportunityStageChange, Organization
from revops.models.crm import OPEN_STAGES, Stage
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

    def touches_for(self, organization: Organization) -> Callable[[Examples], Touches | None]:
        return lambda examples: touches_as_of(organization, self.table, examples)


def dataset_load(organization: Organization) -> Dataset:
    rows = list(
        Opportunity.objects.filter(organization=organization)
        .order_by("id")
        .values_list(
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
    )
    n = len(rows)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    index = {pk: i for i, pk in enumerate(ids.tolist())}
    owner_ids = np.array([r[2] or 0 for r in rows], dtype=np.int64)
    owner_codes = _codes([r[2] for r in rows])
    account_codes = _codes([r[3] for r in rows])
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
    for opp_id, values in OpportunityAttributes.objects.filter(organization=organization).values_list(
        "opportunity_id", "values"
    ):
        i = index.get(opp_id)
        if i is None:
            continue
        for key, value in values.items():
            column = categoricals.setdefault(str(key), np.full(n, "", dtype=object))
            column[i] = str(value)
    hist = [
        (index[o], to_day(at.date()), _STAGE_CODE[s])
        for o, at, s in OpportunityStageChange.objects.filter(organization=organization)
        .order_by("opportunity_id", "changed_at", "id")
        .values_list("opportunity_id", "changed_at", "to_stage")
        if s in _STAGE_CODE and o in index
    ]
    push = _pushes(organization, index)
    partner_deal, partner_day = _partners(organization, index, rows)
    table = DealTable(
        ids=ids,
        owner=owner_codes,
        account=account_codes,
        created=np.array([to_day(r[4]) for r in rows], dtype=np.int32),
        closed=closed,
        won=won,
        amount=np.array([float(r[7]) for r in rows], dtype=np.float64),
        stages=STAGES,
        hist_deal=np.array([h[0] for h in hist], dtype=np.int32),
        hist_day=np.array([h[1] for h in hist], dtype=np.int32),
        hist_stage=np.array([h[2] for h in hist], dtype=np.int16),
        categoricals=categoricals,
        push_deal=np.array([p[0] for p in push], dtype=np.int32),
        push_day=np.array([p[1] for p in push], dtype=np.int32),
        partner_deal=partner_deal,
        partner_day=partner_day,
    )
    return Dataset(table, {r[0]: r[1] for r in rows}, owner_ids, {r[0]: r[8] for r in rows})


def _codes(values: list) -> np.ndarray:
    mapping: dict = {}
    return np.array(
        [-1 if v is None else mapping.setdefault(v, len(mapping)) for v in values], dtype=np.int32
    )


def _text(values: list) -> np.ndarray:
    return np.array([v or "" for v in values], dtype=object)


def _pushes(organization: Organization, index: dict[int, int]) -> list[tuple[int, int]]:
    """A push: a score whose expected close date is later than the deal's previous score's.

    The comparison with the previous score runs in the database (a window over each deal's
    scores), so only the pushes come back, not every score of every day."""
    scores = (
        DealScore.objects.filter(organization=organization, expected_close_date__isnull=False)
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


def _partners(organization: Organization, index: dict[int, int], rows: list) -> tuple[np.ndarray, np.ndarray]:
    if not rows:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    first = min(r[4] for r in rows)
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
