"""Marketing FilterSets, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from attribution.marketing.models import PATH_SEPARATOR, ConfigSchedule, Frequency, PathRow
from revops.filters import StrictBooleanFilter


def channel_in_path(channel: str) -> Q:
    """Rows whose path holds the channel ``channel`` (a whole step, not part of a name)."""
    return (
        Q(path=channel)
        | Q(path__startswith=f"{channel}{PATH_SEPARATOR}")
        | Q(path__endswith=f"{PATH_SEPARATOR}{channel}")
        | Q(path__contains=f"{PATH_SEPARATOR}{channel}{PATH_SEPARATOR}")
    )


class PathRowFilterSet(django_filters.FilterSet):
    channel = django_filters.CharFilter(method="filter_channel", max_length=80, label="Channel in the path")

    class Meta:
        model = PathRow
        fields = ["channel"]

    def filter_channel(self, queryset: QuerySet[PathRow], name: str, value: str) -> QuerySet[PathRow]:
        value = value.strip()
        return queryset.filter(channel_in_path(value)) if value else queryset


class ConfigScheduleFilterSet(django_filters.FilterSet):
    enabled = StrictBooleanFilter()
    frequency = django_filters.ChoiceFilter(choices=Frequency.choices)
    config_name = django_filters.CharFilter(lookup_expr="exact")

    class Meta:
        model = ConfigSchedule
        fields = ["enabled", "frequency", "config_name"]
