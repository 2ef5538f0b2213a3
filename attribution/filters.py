"""FilterSets of the attribution pages (and any API over the same rows)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from attribution.models import AttributionEntry, PartnerRole


class AttributionEntryFilterSet(django_filters.FilterSet):
    """Ledger explorer filters: revenue date range, partner, account, kind, role, scope, period."""

    date_from = django_filters.DateFilter(field_name="revenue_event__date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="revenue_event__date", lookup_expr="lte")
    partner = django_filters.NumberFilter(field_name="partner_id")
    account = django_filters.NumberFilter(method="filter_account")
    kind = django_filters.ChoiceFilter(choices=AttributionEntry.Kind.choices)
    role = django_filters.ChoiceFilter(choices=PartnerRole.choices)
    scope = django_filters.ChoiceFilter(choices=AttributionEntry.Scope.choices)
    period = django_filters.NumberFilter(field_name="period_id")

    class Meta:
        model = AttributionEntry
        fields: list[str] = []

    def filter_account(self, queryset, name, value):
        # A deal's revenue event may carry only the deal; its account is the deal's.
        return queryset.filter(
            Q(revenue_event__account_id=value) | Q(revenue_event__opportunity__account_id=value)
        )
