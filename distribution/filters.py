"""FilterSets shared by the API (and the pages where they filter the same rows)."""

from __future__ import annotations

import django_filters

from distribution.models import DistributionRun, Lead, LeadAssignment
from revops.filters import IdFilter, StrictBooleanFilter


class LeadFilterSet(django_filters.FilterSet):
    status = django_filters.CharFilter()
    web_source = django_filters.CharFilter()
    campaign = django_filters.CharFilter(field_name="campaign__name")
    owner = IdFilter(field_name="owner_id")
    unassigned = StrictBooleanFilter(field_name="owner", lookup_expr="isnull")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Lead
        fields = ["status", "web_source", "campaign", "owner", "unassigned", "external_id"]


class LeadAssignmentFilterSet(django_filters.FilterSet):
    rep = IdFilter(field_name="rep_id")
    run = IdFilter(field_name="run_id")
    lead = IdFilter(field_name="lead_id")
    strategy = django_filters.CharFilter()
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = LeadAssignment
        fields = ["rep", "run", "lead", "strategy", "since"]


class DistributionRunFilterSet(django_filters.FilterSet):
    mode = django_filters.CharFilter()
    config = IdFilter(field_name="config_id")

    class Meta:
        model = DistributionRun
        fields = ["mode", "config"]
