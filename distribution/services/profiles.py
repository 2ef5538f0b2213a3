"""Writes on salesperson profiles: one rep's terms for a campaign (or for every campaign).

`profile_save` creates or edits a profile in one transaction with its audit row. Every value
the engine reads later is checked here, so a saved profile never holds something a run would
have to skip: working days are ISO weekdays 1–7, out-of-office ranges are real dates with the
start on or before the end, the rep is an active sales member of the organization and the
campaign is the organization's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from distribution.models import Campaign, SalespersonProfile
from distribution.selectors.profiles import SALES_ROLES
from revops.models import Membership, Organization
from revops.services.audit import audit_record, snapshot

FIELDS = [
    "user",
    "campaign",
    "active",
    "team",
    "level",
    "target_leads",
    "capacity",
    "working_days",
    "out_of_office",
]
DUPLICATE = "This rep already has a profile for {what}."


@dataclass(frozen=True)
class ProfileTerms:
    """What a profile says; `out_of_office` holds (start, end) pairs, both inclusive."""

    user_id: int
    campaign_id: int | None
    active: bool = True
    team: str = ""
    level: str = ""
    target_leads: int | None = None
    capacity: int | None = None
    working_days: tuple[int, ...] = (1, 2, 3, 4, 5)
    out_of_office: tuple[tuple[dt.date, dt.date], ...] = ()


def _check(organization: Organization, terms: ProfileTerms) -> None:
    errors: dict[str, str] = {}
    if not Membership.objects.filter(
        organization=organization, user_id=terms.user_id, is_active=True, role__in=SALES_ROLES
    ).exists():
        errors["user"] = "Choose an active rep, manager or admin of this organization."
    if (
        terms.campaign_id is not None
        and not Campaign.objects.filter(organization=organization, pk=terms.campaign_id).exists()
    ):
        errors["campaign"] = "Choose a campaign of this organization."
    bad_days = [d for d in terms.working_days if d not in range(1, 8)]
    if bad_days or not terms.working_days:
        errors["working_days"] = (
            "Working days are ISO weekdays 1 (Monday) to 7 (Sunday); choose at least one."
        )
    for start, end in terms.out_of_office:
        if start > end:
            errors["out_of_office"] = (
                f"The range {start.isoformat()} – {end.isoformat()} ends before it starts."
            )
            break
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def profile_save(
    *, organization: Organization, actor, terms: ProfileTerms, profile: SalespersonProfile | None = None
) -> SalespersonProfile:
    """Create a profile (`profile` None) or change one; refused with nothing written when invalid."""
    _check(organization, terms)
    if profile is None:
        profile = SalespersonProfile(organization=organization)
        before: dict = {}
        action = "distribution.profile_create"
    else:
        # Two editors of one profile: the row lock makes the second save see the first.
        profile = SalespersonProfile.objects.select_for_update().get(pk=profile.pk, organization=organization)
        before = snapshot(profile, FIELDS)
        action = "distribution.profile_update"
    profile.user_id = terms.user_id
    profile.campaign_id = terms.campaign_id
    profile.active = terms.active
    profile.team = terms.team.strip()
    profile.level = terms.level.strip()
    profile.target_leads = terms.target_leads
    profile.capacity = terms.capacity
    profile.working_days = sorted(set(terms.working_days))
    profile.out_of_office = [
        {"start": s.isoformat(), "end": e.isoformat()} for s, e in sorted(terms.out_of_office)
    ]
    after = snapshot(profile, FIELDS)
    if before == after:
        return profile
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        campaign = Campaign.objects.filter(pk=terms.campaign_id).values_list("name", flat=True).first()
        raise ValidationError(
            {"campaign": DUPLICATE.format(what=f"campaign {campaign}" if campaign else "all campaigns")}
        ) from None
    audit_record(
        organization=organization, actor=actor, action=action, obj=profile, before=before, after=after
    )
    return profile
