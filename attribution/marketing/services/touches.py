"""Touchpoint writes: bulk create (API), idempotent by external id; all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from attribution.marketing.models import Campaign, Channel, Touchpoint, TouchSource
from revops.models import Account, Opportunity, Organization

MAX_BATCH = 5000
ERROR_BATCH = f"Send at most {MAX_BATCH} touches per request."


@dataclass(frozen=True)
class TouchInput:
    """One touch as an integration sends it (names and external ids, not database ids)."""

    external_id: str
    occurred_at: dt.datetime
    channel: str
    campaign: str = ""
    contact_key: str = ""
    account_external_id: str = ""
    opportunity_external_id: str = ""


@dataclass(frozen=True)
class BulkResult:
    created: int
    unchanged: int


def touches_bulk_create(
    *, organization: Organization, actor, touches: Sequence[TouchInput], source: str = TouchSource.API
) -> BulkResult:
    """Create the touches whose external id is new; a known external id is left unchanged.

    Every row is checked first (unknown channel, account or opportunity, neither contact nor
    account, duplicate external id in the batch); one bad row refuses the whole batch with
    errors naming each row, and nothing is written.
    """
    if len(touches) > MAX_BATCH:
        raise ValidationError(ERROR_BATCH)
    channels = dict(Channel.objects.filter(organization=organization).values_list("name", "id"))
    campaigns = dict(Campaign.objects.filter(organization=organization).values_list("name", "id"))
    accounts = dict(
        Account.objects.filter(
            organization=organization,
            external_id__in={t.account_external_id for t in touches if t.account_external_id},
        )
        .exclude(external_id="")
        .values_list("external_id", "id")
    )
    opportunities = dict(
        Opportunity.objects.filter(
            organization=organization,
            external_id__in={t.opportunity_external_id for t in touches if t.opportunity_external_id},
        )
        .exclude(external_id="")
        .values_list("external_id", "id")
    )
    known = set(
        Touchpoint.objects.filter(organization=organization, external_id__in=[t.external_id for t in touches])
        .exclude(external_id="")
        .values_list("external_id", flat=True)
    )
    errors: list[str] = []
    seen: set[str] = set()
    new: list[Touchpoint] = []
    for i, t in enumerate(touches, start=1):
        problems = []
        if not t.external_id:
            problems.append("external_id is required")
        elif t.external_id in seen:
            problems.append(f"external_id {t.external_id!r} appears twice in the batch")
        seen.add(t.external_id)
        if t.channel not in channels:
            problems.append(f"no channel named {t.channel!r}")
        if t.campaign and t.campaign not in campaigns:
            problems.append(f"no campaign named {t.campaign!r}")
        if t.account_external_id and t.account_external_id not in accounts:
            problems.append(f"no account with external id {t.account_external_id!r}")
        if t.opportunity_external_id and t.opportunity_external_id not in opportunities:
            problems.append(f"no opportunity with external id {t.opportunity_external_id!r}")
        if not t.contact_key and not t.account_external_id:
            problems.append("give a contact_key or an account_external_id")
        if t.occurred_at.tzinfo is None:
            problems.append("occurred_at needs a time zone")
        if problems:
            errors.append(f"row {i}: " + "; ".join(problems))
            continue
        if t.external_id in known:
            continue
        new.append(
            Touchpoint(
                organization=organization,
                external_id=t.external_id,
                occurred_at=t.occurred_at,
                channel_id=channels[t.channel],
                campaign_id=campaigns.get(t.campaign) if t.campaign else None,
                contact_key=t.contact_key,
                account_id=accounts.get(t.account_external_id) if t.account_external_id else None,
                opportunity_id=opportunities.get(t.opportunity_external_id)
                if t.opportunity_external_id
                else None,
                source=source,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Touchpoint.objects.bulk_create(new)
    return BulkResult(created=len(new), unchanged=len(touches) - len(new))
