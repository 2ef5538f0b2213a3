"""FilterSets of the partner program, shared by pages and the API."""

from __future__ import annotations

import django_filters

from partners.models import DisputeStatus, PartnerDispute
from revops.filters import IdFilter


class PartnerDisputeFilterSet(django_filters.FilterSet):
    """Disputes by status, partner and deal (within scope: the queryset is scoped first)."""

    status = django_filters.ChoiceFilter(choices=DisputeStatus.choices)
    partner = IdFilter(field_name="partner_id")
    opportunity = IdFilter(field_name="opportunity_id")

    class Meta:
        model = PartnerDispute
        fields: list[str] = []
