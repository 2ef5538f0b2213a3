"""Reads on touchpoints: the `touch_summary` provider other apps use, scoped touch lists."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Q

from attribution.marketing.models import Touchpoint
from revops.models import Opportunity, Organization
from revops.providers import TouchSummary

# Past this many opportunities (a nightly scoring of every open deal) the organization's rows
# are read and matched here: lists of ids that long in SQL cost more to build and parse than
# the rows they leave out.
MANY_OPPORTUNITIES = 2_000


def touch_summary(
    organization: Organization, opportunity_ids: Sequence[int], *, as_of: dt.datetime | None = None
) -> dict[int, TouchSummary]:
    """Touches per opportunity as of a date: touches naming it or on its account up to ``as_of``.

    Registered as the core's ``touch_summary`` provider (forecasting's features, the deal page).
    Two queries whatever the number of opportunities (past ``MANY_OPPORTUNITIES``, without
    the id lists: the organization's rows, matched here).
    """
    ids = list(opportunity_ids)
    many = len(ids) > MANY_OPPORTUNITIES
    opportunities = Opportunity.objects.filter(organization=organization)
    if many:
        wanted = set(ids)
        accounts = {
            pk: account for pk, account in opportunities.values_list("pk", "account_id") if pk in wanted
        }
    else:
        accounts = dict(opportunities.filter(pk__in=ids).values_list("pk", "account_id"))
    if not accounts:
        return {}
    ours = set(accounts.values())
    touches = Touchpoint.objects.filter(organization=organization, removed_at__isnull=True)
    if not many:
        touches = touches.filter(Q(opportunity_id__in=list(accounts)) | Q(account_id__in=ours))
    if as_of is not None:
        touches = touches.filter(occurred_at__lte=as_of)
    by_opp: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    by_account: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for occurred, channel, account_id, opp_id in touches.order_by("occurred_at", "id").values_list(
        "occurred_at", "channel__name", "account_id", "opportunity_id"
    ):
        if opp_id in accounts and accounts[opp_id] != account_id:
            by_opp[opp_id].append((occurred, channel))
        if account_id in ours:
            by_account[account_id].append((occurred, channel))
    out = {}
    for opp_id, account_id in accounts.items():
        seen = sorted(by_account.get(account_id, []) + by_opp.get(opp_id, []))
        channels = tuple(dict.fromkeys(channel for _t, channel in seen))
        out[opp_id] = TouchSummary(
            opportunity_id=opp_id,
            touch_count=len(seen),
            channels=channels,
            last_touch_at=seen[-1][0] if seen else None,
        )
    return out
