"""FilterSets of commissions, one per resource, shared by the pages, their exports and the API."""

from __future__ import annotations

import django_filters

from commissions.models import BusinessObjective, CommissionStatement, SalesTransaction, StatementStatus
from revops.filters import IdFilter

# A month is written "2026-03" (an <input type="month">) or as its first day.
MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]


class MonthFilter(django_filters.DateFilter):
    """A month: any day of it selects the month (stored as its first day)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("input_formats", MONTH_FORMATS)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value:
            value = value.replace(day=1)
        return super().filter(qs, value)


class SalesTransactionFilterSet(django_filters.FilterSet):
    """Sales history: dates, product line, rep (within scope: the queryset is scoped first), file."""

    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    product_line = IdFilter(field_name="product_line_id")
    rep = IdFilter(field_name="rep_id")
    source_file = django_filters.CharFilter()
    document_number = django_filters.CharFilter()

    class Meta:
        model = SalesTransaction
        fields: list[str] = []


class CommissionStatementFilterSet(django_filters.FilterSet):
    month = MonthFilter(field_name="month")
    rep = IdFilter(field_name="rep_id")
    status = django_filters.ChoiceFilter(choices=StatementStatus.choices)

    class Meta:
        model = CommissionStatement
        fields: list[str] = []


class BusinessObjectiveFilterSet(django_filters.FilterSet):
    rep = IdFilter(field_name="rep_id")
    product_line = IdFilter(field_name="product_line_id")
    month_after = MonthFilter(field_name="month", lookup_expr="gte")
    month_before = MonthFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = BusinessObjective
        fields: list[str] = []
