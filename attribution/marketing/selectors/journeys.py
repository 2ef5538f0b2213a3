"""Journeys read from the database into the engine's arrays (one pass, queries independent of rows).

A journey is the touches of one contact (`contact` level) or of one account (`account` level,
all its contacts together: the buying committee), ordered by time, ending in a conversion or in
none:

* Conversion = an opportunity created (its created date) or won (closed won, its close date)
  inside the run's window. At account level each converting opportunity of the account is one
  journey: the account's touches from ``lookback_days`` before the conversion day up to the end
  of that day. At contact level a contact converts with the earliest such opportunity among
  those its touches name, else those of the accounts its touches name.
* A key without a conversion is one non-converting journey: its touches in the last
  ``lookback_days`` of the window.
* The journey's value is the opportunity's amount; the "opportunity created" milestone (for
  W-shaped and stage models) is the last touch on or before the opportunity's created date.
* Touches on excluded channels are left out before journeys are formed.

A config with a path set runs on that set's aggregated paths instead (`path_journey_data`):
each row is one journey standing for its conversions and non-conversions; the window, level,
conversion event and lookback do not apply, and there are no touches or opportunities behind
the journeys (no per-touch credit, campaign or month figures).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from attribution.marketing.engine import Journeys, journeys_from_paths, journeys_from_touches
from attribution.marketing.engine.types import IntArray
from attribution.marketing.models import (
    PATH_SEPARATOR,
    Channel,
    ConversionEvent,
    JourneyLevel,
    ModelConfig,
    PathRow,
    Touchpoint,
)
from revops.models import Opportunity, Organization
from revops.models.crm import Stage

DAY = dt.timedelta(days=1)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, eq=False)
class JourneyData:
    """Engine journeys plus what the services need to store and explain results."""

    journeys: Journeys
    channel_ids: tuple[int, ...]  # engine channel index → Channel id
    touch_ids: IntArray  # per engine touch (engine order)
    touch_campaign_ids: IntArray  # per engine touch, 0 when none
    journey_opportunity: IntArray  # per journey, 0 for none
    journey_account: IntArray  # per journey, 0 for none
    journey_converted: np.ndarray  # bool per journey
    journey_month: tuple[dt.date | None, ...]  # month of the conversion
    journey_key: tuple[str, ...]
    opportunity_stage: dict[int, str]
    opportunity_amount: dict[int, Decimal]


def _day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + DAY, dt.time(), tzinfo=dt.UTC)


def _conversion_day(opp: tuple, event: str) -> dt.date | None:
    _pk, _account, created, close, stage, _amount = opp
    if event == ConversionEvent.WON:
        return close if stage == Stage.CLOSED_WON else None
    return created


def journey_data(
    *, organization: Organization, config: ModelConfig, window_start: dt.date, window_end: dt.date
) -> JourneyData:
    """Every journey of the window under the config's level, conversion event, lookback and exclusions."""
    if config.path_set_id:
        return path_journey_data(organization=organization, config=config)
    lookback = dt.timedelta(days=config.lookback_days)
    excluded = set(config.excluded_channels or [])
    channels = [
        (pk, name, direct)
        for pk, name, direct in Channel.objects.filter(organization=organization).values_list(
            "id", "name", "is_direct"
        )
        if name not in excluded
    ]
    index = {pk: i for i, (pk, _n, _d) in enumerate(channels)}
    since = _day_end(window_start) - DAY - lookback
    until = _day_end(window_end)
    touches = list(
        Touchpoint.objects.filter(
            organization=organization,
            occurred_at__gte=since,
            occurred_at__lt=until,
            channel_id__in=list(index),
            removed_at__isnull=True,  # deleted at their source (a Salesforce campaign member)
        )
        .order_by("occurred_at", "id")
        .values_list(
            "id", "occurred_at", "channel_id", "campaign_id", "contact_key", "account_id", "opportunity_id"
        )
    )
    event = config.conversion_event
    opps = {
        row[0]: row
        for row in Opportunity.objects.filter(organization=organization).values_list(
            "id", "account_id", "created_date", "close_date", "stage", "amount"
        )
    }
    by_account: dict[int, list[tuple]] = defaultdict(list)
    for row in opps.values():
        day = _conversion_day(row, event)
        if day is not None and window_start <= day <= window_end:
            by_account[row[1]].append((day, row[0]))
    for rows in by_account.values():
        rows.sort()

    groups: dict[str, list[tuple]] = defaultdict(list)
    account_level = config.journey_level == JourneyLevel.ACCOUNT
    for t in touches:
        key = (
            (f"account:{t[5]}" if t[5] else None) if account_level else (f"contact:{t[4]}" if t[4] else None)
        )
        if key is not None:
            groups[key].append(t)

    # (key, touches, opportunity id or 0, conversion day or None)
    planned: list[tuple[str, list[tuple], int, dt.date | None]] = []
    for key, group in groups.items():
        if account_level:
            conversions = by_account.get(group[0][5], [])
        else:
            named = {t[6] for t in group if t[6]}
            candidates = [
                (_conversion_day(opps[o], event), o)
                for o in named
                if o in opps and _conversion_day(opps[o], event)
            ]
            conversions = sorted(c for c in candidates if window_start <= c[0] <= window_end)  # type: ignore[operator]
            if not conversions:
                accounts = {t[5] for t in group if t[5]}
                conversions = sorted(c for a in accounts for c in by_account.get(a, []))
            conversions = conversions[:1]
        if conversions:
            for day, opp_id in conversions:
                end = _day_end(day)
                planned.append((key, [t for t in group if end - lookback <= t[1] < end], opp_id, day))
        else:
            planned.append((key, [t for t in group if until - lookback <= t[1]], 0, None))

    journey_index: list[int] = []
    channel_idx: list[int] = []
    stamps: list[float] = []
    milestone: list[bool] = []
    touch_ids: list[int] = []
    campaigns: list[int] = []
    conv, value, opp_of, acct_of, months, keys = [], [], [], [], [], []
    for j, (key, group, opp_id, day) in enumerate(planned):
        created_end = _day_end(opps[opp_id][2]) if opp_id else None
        last_before = -1
        for i, t in enumerate(group):
            if created_end is not None and t[1] < created_end:
                last_before = i
        for i, t in enumerate(group):
            journey_index.append(j)
            channel_idx.append(index[t[2]])
            stamps.append((t[1] - EPOCH).total_seconds() / 86400.0)
            milestone.append(i == last_before)
            touch_ids.append(t[0])
            campaigns.append(t[3] or 0)
        conv.append(1.0 if opp_id else 0.0)
        value.append(float(opps[opp_id][5]) if opp_id else 0.0)
        opp_of.append(opp_id)
        acct_of.append(opps[opp_id][1] if opp_id else (group[0][5] if group and group[0][5] else 0))
        months.append(day.replace(day=1) if day else None)
        keys.append(key)
    journeys = journeys_from_touches(
        journey_index=journey_index,
        channels=channel_idx,
        timestamps=stamps,
        milestone_flags=[milestone],
        channel_names=[name for _pk, name, _d in channels],
        direct=[d for _pk, _n, d in channels],
        conversions=conv,
        value=value,
    )
    return JourneyData(
        journeys=journeys,
        channel_ids=tuple(pk for pk, _n, _d in channels),
        # touches were appended grouped by journey and in time order, which the engine keeps
        touch_ids=np.asarray(touch_ids, dtype=np.int64),
        touch_campaign_ids=np.asarray(campaigns, dtype=np.int64),
        journey_opportunity=np.asarray(opp_of, dtype=np.int64),
        journey_account=np.asarray(acct_of, dtype=np.int64),
        journey_converted=np.asarray(conv) > 0,
        journey_month=tuple(months),
        journey_key=tuple(keys),
        opportunity_stage={pk: row[4] for pk, row in opps.items()},
        opportunity_amount={pk: row[5] for pk, row in opps.items()},
    )


def path_journey_data(*, organization: Organization, config: ModelConfig) -> JourneyData:
    """The config's path set as journeys (one per path row; excluded channels dropped from paths)."""
    excluded = set(config.excluded_channels or [])
    channels = [
        (pk, name, direct)
        for pk, name, direct in Channel.objects.filter(organization=organization).values_list(
            "id", "name", "is_direct"
        )
        if name not in excluded
    ]
    rows = list(
        PathRow.objects.filter(organization=organization, path_set_id=config.path_set_id)
        .order_by("id")
        .values_list("path", "conversions", "value", "nulls")
    )
    paths = [
        PATH_SEPARATOR.join(c for c in path.split(PATH_SEPARATOR) if c not in excluded) if path else ""
        for path, _c, _v, _n in rows
    ]
    journeys = journeys_from_paths(
        paths,
        [float(r[1]) for r in rows],
        [float(r[2]) for r in rows],
        [float(r[3]) for r in rows],
        sep=PATH_SEPARATOR.strip(),
        direct_channels=[name for _pk, name, d in channels if d],
        channel_names=[name for _pk, name, _d in channels],
    )
    n = len(rows)
    empty = np.zeros(journeys.n_touches, dtype=np.int64)
    return JourneyData(
        journeys=journeys,
        channel_ids=tuple(pk for pk, _n, _d in channels),
        touch_ids=empty,
        touch_campaign_ids=empty,
        journey_opportunity=np.zeros(n, dtype=np.int64),
        journey_account=np.zeros(n, dtype=np.int64),
        journey_converted=np.asarray([float(r[1]) > 0 for r in rows], dtype=bool),
        journey_month=(None,) * n,
        journey_key=tuple(f"path:{i}" for i in range(n)),
        opportunity_stage={},
        opportunity_amount={},
    )
