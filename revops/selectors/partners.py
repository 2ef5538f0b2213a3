"""Partner reads for the partner page: the partner, its portal contacts and its audited edits."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from revops.models import AuditEvent, Membership, Partner

ACTIVITY_LIMIT = 20


def partner_get(*, membership: Membership, pk: int) -> Partner:
    """One partner the member may see, else 404."""
    return get_object_or_404(Partner.objects.visible_to(membership), pk=pk)


def partner_contacts(*, partner: Partner) -> QuerySet[Membership]:
    """The partner's people: active portal users of this partner, by name."""
    return (
        Membership.objects.filter(organization_id=partner.organization_id, partner=partner, is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )


def partner_edits(*, partner: Partner, limit: int = ACTIVITY_LIMIT) -> QuerySet[AuditEvent]:
    """Audited changes of the partner's profile, newest first."""
    return (
        AuditEvent.objects.filter(
            organization_id=partner.organization_id, object_type="revops.partner", object_id=str(partner.pk)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
