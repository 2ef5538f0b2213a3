"""What the partner program provides to other apps through the core (`revops.providers`).

- Partner touches: each approved touchpoint is one touch on marketing journeys, channel
  "Partner" (grouping "Partner" on marketing's side), on the touchpoint's account and deal,
  at noon (the organization's time) of the day it took place; its external id
  (`touchpoint-<id>`) is stable, so reading it again adds nothing. Waiting and rejected
  touchpoints are not touches.
- Split-change review: `partners.services.split_changes.split_change_review`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from partners.selectors.touchpoints import approved_touchpoints_between
from revops.providers import PartnerTouch

PARTNER_CHANNEL = "Partner"


def approved_partner_touches(
    organization, *, since: dt.datetime, until: dt.datetime
) -> Iterator[PartnerTouch]:
    """Approved touchpoints that took place in [since, until], as journey touches."""
    zone = ZoneInfo(organization.time_zone)
    rows = approved_touchpoints_between(
        organization_id=organization.pk,
        start=since.astimezone(zone).date(),
        end=until.astimezone(zone).date(),
    ).values_list("pk", "occurred_on", "account_id", "opportunity_id", "partner_id")
    for pk, day, account_id, opportunity_id, partner_id in rows:
        at = dt.datetime.combine(day, dt.time(12), tzinfo=zone).astimezone(dt.UTC)
        if since <= at <= until:
            yield PartnerTouch(
                occurred_at=at,
                account_id=account_id,
                opportunity_id=opportunity_id,
                partner_id=partner_id,
                channel=PARTNER_CHANNEL,
                external_id=f"touchpoint-{pk}",
            )
