"""Partners API: the program (read) — the configured tiers, and each partner's tier, lifecycle stage
and latest health with its components.

Readable by the roles holding `partners.program_view` — internal roles with API access see the
organization's partners; a partner user's token (or session) sees only its own partner, and
another partner's id is a 404. Partner users hold no other API capability.
"""

from __future__ import annotations

from django.db import models
from rest_framework import viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated

from partners.api.program_serializers import PartnerHealthSerializer, ProgramTierSerializer
from partners.models import PartnerHealth, ProgramTier
from partners.permissions import PartnerCap
from partners.selectors.program import program_partner_list
from revops.api.base import OrganizationScopedViewSetMixin
from revops.permissions import Cap, has_cap


class ProgramReadPermission(BasePermission):
    """`partners.program_view`, through the API (internal roles) or as a partner user."""

    def has_permission(self, request, view) -> bool:
        membership = getattr(request, "membership", None)
        if not has_cap(membership, PartnerCap.PROGRAM_VIEW):
            return False
        return has_cap(membership, Cap.API_ACCESS) or has_cap(membership, Cap.PORTAL)


class _ProgramReadViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    def dangerously_get_permissions(self) -> list[BasePermission]:
        # Partner users have no API access in general; these reads are scoped to their partner.
        return [IsAuthenticated(), ProgramReadPermission()]


class ProgramTierViewSet(_ProgramReadViewSet):
    """The organization's program tiers, lowest first, with their thresholds."""

    model = ProgramTier
    serializer_class = ProgramTierSerializer

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.order_by("rank", "id")


class PartnerHealthViewSet(_ProgramReadViewSet):
    """Each visible partner's tier, lifecycle stage and latest health (by partner id)."""

    model = PartnerHealth
    serializer_class = PartnerHealthSerializer
    lookup_field = "partner_id"
    lookup_url_kwarg = "partner_id"
    # Digits that fit a database integer: anything else is a path that does not exist (404),
    # never a value the database refuses.
    lookup_value_regex = r"[0-9]{1,18}"

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        partners = program_partner_list(membership=self.membership)
        return (
            queryset.filter(is_latest=True, partner__in=partners)
            .select_related("partner")
            .order_by("partner__name", "partner_id")
        )
