"""Reads of partner links for other apps (through attribution's public selectors)."""

from __future__ import annotations

from attribution.models import OpportunityPartner
from revops.models import Organization


def partner_ids_on_deal(*, organization: Organization, opportunity_id: int) -> set[int]:
    """The partners with a link on the deal, in any role and status."""
    return set(
        OpportunityPartner.objects.filter(
            organization=organization, opportunity_id=opportunity_id
        ).values_list("partner_id", flat=True)
    )


def partner_split_on_deal(*, organization: Organization, opportunity_id: int, partner_id: int, role: str):
    """The partner's active split on the deal in that role (None: no active link, or the
    role's default split)."""
    return (
        OpportunityPartner.objects.filter(
            organization=organization,
            opportunity_id=opportunity_id,
            partner_id=partner_id,
            role=role,
            status="active",
        )
        .values_list("split_percent", flat=True)
        .first()
    )
