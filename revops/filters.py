"""FilterSets shared by the HTML pages and the API (one definition of every filter)."""

import datetime as dt
import re

import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from revops.models import (
    Account,
    FiscalPeriod,
    Opportunity,
    OpportunityStageChange,
    Partner,
    Product,
    ProductLine,
)
from revops.models.crm import Region, Segment, Stage

OUT_OF_RANGE = "Enter a date and time between the years 1 and 9999 (UTC)."


class UtcDateTimeField(forms.DateTimeField):
    """A date-time converted to UTC before it reaches the database.

    PostgreSQL refuses offsets beyond ±15:59 that Python accepts (`+20:56`), and an offset can
    push a date past year 1 or 9999: both are a form error (400 on the API), never a 500.
    """

    def to_python(self, value):
        result = super().to_python(value)
        if result is None or result.tzinfo is None:
            return result
        try:
            return result.astimezone(dt.UTC)
        except OverflowError as exc:
            raise forms.ValidationError(OUT_OF_RANGE, code="invalid") from exc


class UtcDateTimeFilter(django_filters.DateTimeFilter):
    field_class = UtcDateTimeField


class StrictBooleanField(forms.NullBooleanField):
    """true / false (or 1 / 0); empty means "any"; anything else is an error, not "any"."""

    TRUE = frozenset({True, "True", "true", "1"})
    FALSE = frozenset({False, "False", "false", "0"})

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return False
        raise forms.ValidationError("Enter true or false.", code="invalid")


class StrictNullBooleanSelect(forms.NullBooleanSelect):
    """Hand an unknown value to the field (which refuses it) instead of reading it as "any"."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        raw = data.get(name)
        return raw if value is None and raw not in (None, "", "unknown") else value


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A yes/no filter: `?unassigned=maybe` is a 400, not the unfiltered list."""

    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", StrictNullBooleanSelect)
        super().__init__(*args, **kwargs)


# The largest value of a 64-bit integer column: a larger number is no row's id, and SQLite
# refuses to bind it (OverflowError, a 500) where PostgreSQL compares it.
MAX_ID = 2**63 - 1


class WholeNumberField(forms.IntegerField):
    """Digits only (and a sign): Django's IntegerField also takes "30.0" as 30."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not re.fullmatch(r"-?[0-9]+", value.strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number from 1 to the integer column's limit; anything else is a 400."""

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberFilter(django_filters.NumberFilter):
    """A whole number (a fiscal year): "2026.5" or "1e300" is a 400, not a query."""

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -MAX_ID)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class OpportunityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    status = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("won", "Won"), ("lost", "Lost")], method="filter_status"
    )
    product_line = IdFilter(field_name="product_line_id")
    account = IdFilter(field_name="account_id")
    owner = IdFilter(field_name="owner_id")
    lead_source = django_filters.CharFilter()
    region = django_filters.ChoiceFilter(field_name="account__region", choices=Region.choices)
    segment = django_filters.ChoiceFilter(field_name="account__segment", choices=Segment.choices)
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte")
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte")
    created_after = django_filters.DateFilter(field_name="created_date", lookup_expr="gte")
    created_before = django_filters.DateFilter(field_name="created_date", lookup_expr="lte")
    closed_after = django_filters.DateFilter(field_name="close_date", lookup_expr="gte")
    closed_before = django_filters.DateFilter(field_name="close_date", lookup_expr="lte")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(account__name__icontains=value))

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.open()
        if value == "won":
            return queryset.filter(stage=Stage.CLOSED_WON)
        if value == "lost":
            return queryset.filter(stage=Stage.CLOSED_LOST)
        return queryset


class AccountFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    industry = django_filters.CharFilter()
    segment = django_filters.ChoiceFilter(choices=Segment.choices)
    region = django_filters.ChoiceFilter(choices=Region.choices)
    owner = IdFilter(field_name="owner_id")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Account
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(domain__icontains=value))


class PartnerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    tier = django_filters.ChoiceFilter(choices=Partner.Tier.choices)
    status = django_filters.ChoiceFilter(choices=Partner.Status.choices)
    lifecycle_stage = django_filters.ChoiceFilter(choices=Partner.Lifecycle.choices)
    external_id = django_filters.CharFilter()

    class Meta:
        model = Partner
        fields: list[str] = []


class ProductLineFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")

    class Meta:
        model = ProductLine
        fields = ["code"]


class ProductFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    product_line = IdFilter(field_name="product_line_id")
    is_active = StrictBooleanFilter()

    class Meta:
        model = Product
        fields = ["sku", "is_active"]


class StageChangeFilterSet(django_filters.FilterSet):
    opportunity = IdFilter(field_name="opportunity_id")
    changed_after = UtcDateTimeFilter(field_name="changed_at", lookup_expr="gte")
    changed_before = UtcDateTimeFilter(field_name="changed_at", lookup_expr="lte")

    class Meta:
        model = OpportunityStageChange
        fields = ["to_stage"]


class FiscalPeriodFilterSet(django_filters.FilterSet):
    year = WholeNumberFilter(field_name="fiscal_year")
    starts_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")

    class Meta:
        model = FiscalPeriod
        fields = ["status"]
