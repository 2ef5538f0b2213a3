"""Approved partner activities enter journeys as touches (through `revops.providers.partner_touches`).

Each activity becomes a Touchpoint with source "partner", keyed by the provider's stable
external id, so reading the same activities again changes nothing. Its channel is created on
first sight (grouping "Partner"). Without a registered provider there is nothing to sync.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from attribution.marketing.models import Channel, Touchpoint, TouchSource
from revops.models import Organization
from revops.providers import partner_touches


@transaction.atomic
def partner_touches_sync(*, organization: Organization, since: dt.datetime, until: dt.datetime) -> int:
    """Create the touches for partner activities not seen before; returns how many."""
    activities = partner_touches(organization, since=since, until=until)
    if not activities:
        return 0
    keys = [f"partner:{a.external_id}" for a in activities]
    known = set(
        Touchpoint.objects.filter(organization=organization, external_id__in=keys)
        .exclude(external_id="")
        .values_list("external_id", flat=True)
    )
    channels = {c.name: c for c in Channel.objects.filter(organization=organization)}
    new = []
    for key, activity in zip(keys, activities, strict=True):
        if key in known or activity.account_id is None:
            continue
        channel = channels.get(activity.channel)
        if channel is None:
            channel = Channel.objects.create(
                organization=organization, name=activity.channel, grouping="Partner"
            )
            channels[channel.name] = channel
        new.append(
            Touchpoint(
                organization=organization,
                occurred_at=activity.occurred_at,
                channel=channel,
                account_id=activity.account_id,
                opportunity_id=activity.opportunity_id,
                source=TouchSource.PARTNER,
                external_id=key,
            )
        )
        known.add(key)
    Touchpoint.objects.bulk_create(new)
    return len(new)
