"""FilterSets of partner attribution, one per resource, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from attribution.models import (
    AccountPartner,
    AttributionEntry,
    AttributionRule,
    LinkStatus,
    OpportunityPartner,
    PartnerRole,
    RevenueEvent,
)
from revops.filters import IdFilter, StrictBooleanFilter
from revops.models import Account


class AttributionEntryFilterSet(django_filters.FilterSet):
    """Ledger filters for the ledger explorer, its exports and the API. Dates are the revenue
    date of the entry's event; `account` means the event's account or its deal's account, and
    `account_name` any account whose name contains the text (the page offers it instead of a
    list when the ledger credits too many accounts to list)."""

    date_after = django_filters.DateFilter(field_name="revenue_event__date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="revenue_event__date", lookup_expr="lte")
    partner = IdFilter(field_name="partner_id")
    account = IdFilter(method="filter_account")
    account_name = django_filters.CharFilter(method="filter_account_name", max_length=200)
    opportunity = IdFilter(field_name="revenue_event__opportunity_id")
    kind = django_filters.ChoiceFilter(choices=AttributionEntry.Kind.choices)
    role = django_filters.ChoiceFilter(choices=PartnerRole.choices)
    scope = django_filters.ChoiceFilter(choices=AttributionEntry.Scope.choices)
    period = IdFilter(field_name="period_id")
    revenue_period = IdFilter(field_name="revenue_period_id")

    class Meta:
        model = AttributionEntry
        fields: list[str] = []

    def filter_account(self, queryset, name, value):
        # A deal's revenue event may carry only the deal; its account is the deal's.
        return queryset.filter(
            Q(revenue_event__account_id=value) | Q(revenue_event__opportunity__account_id=value)
        )

    def filter_account_name(self, queryset, name, value):
        # Accounts whose name contains the text; the entries are already the organization's,
        # so another organization's accounts never match one of them.
        text = value.strip()
        if not text:
            return queryset
        accounts = Account.objects.filter(name__icontains=text).values("pk")
        return queryset.filter(
            Q(revenue_event__account_id__in=accounts) | Q(revenue_event__opportunity__account_id__in=accounts)
        )


class OpportunityPartnerFilterSet(django_filters.FilterSet):
    opportunity = IdFilter(field_name="opportunity_id")
    partner = IdFilter(field_name="partner_id")
    role = django_filters.ChoiceFilter(choices=PartnerRole.choices)
    status = django_filters.ChoiceFilter(choices=LinkStatus.choices)

    class Meta:
        model = OpportunityPartner
        fields: list[str] = []


class AccountPartnerFilterSet(django_filters.FilterSet):
    account = IdFilter(field_name="account_id")
    partner = IdFilter(field_name="partner_id")
    role = django_filters.ChoiceFilter(choices=PartnerRole.choices)
    status = django_filters.ChoiceFilter(choices=LinkStatus.choices)

    class Meta:
        model = AccountPartner
        fields: list[str] = []


class AttributionRuleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    is_active = StrictBooleanFilter()

    class Meta:
        model = AttributionRule
        fields = ["is_active"]


class RevenueEventFilterSet(django_filters.FilterSet):
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    account = IdFilter(field_name="account_id")
    opportunity = IdFilter(field_name="opportunity_id")
    source = django_filters.ChoiceFilter(choices=RevenueEvent.Source.choices)
    external_id = django_filters.CharFilter()

    class Meta:
        model = RevenueEvent
        fields: list[str] = []
