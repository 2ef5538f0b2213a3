"""The one FilterSet of deal scores, shared by the risk dashboard and the API."""

from __future__ import annotations

import django_filters

from forecasting.models import DealScore
from revops.filters import IdFilter, WholeNumberFilter


class DealScoreFilterSet(django_filters.FilterSet):
    risk_band = django_filters.ChoiceFilter(
        choices=[("high", "High"), ("medium", "Medium"), ("low", "Low")], label="Risk band"
    )
    min_risk = WholeNumberFilter(
        field_name="risk", lookup_expr="gte", label="Risk at least", min_value=0, max_value=100
    )
    max_probability = django_filters.NumberFilter(
        field_name="probability", lookup_expr="lte", label="Probability at most"
    )
    owner = IdFilter(field_name="opportunity__owner_id", label="Owner (user id)")
    stage = django_filters.CharFilter(field_name="stage")

    class Meta:
        model = DealScore
        fields = ["risk_band", "min_risk", "max_probability", "owner", "stage"]
