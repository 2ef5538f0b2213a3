"""FilterSets of the partner program, shared by pages and the API."""

from __future__ import annotations

import django_filters

from partners.models import DisputeStatus, PartnerDispute


class PartnerDisputeFilterSet(django_filters.FilterSet):
    """Disputes by status, partner and deal (within scope: the queryset is scoped first)."""

    status = django_filters.ChoiceFilter(choices=DisputeStatus.choices)
    partner = django_filters.NumberFilter(field_name="partner_id")
    opportunity = django_filters.NumberFilter(field_name="opportunity_id")

    class Meta:
        model = PartnerDispute
        fields: list[str] = []
