"""Template filters and tags that format figures (see revops.formatting and revops.labels).

    {% load revops_format %}
    {% money deal.amount %}                 organization currency, "$1,234.50"
    {% money entry.amount exact=True %}     every cent, also past a million
    {% money deal.amount currency=deal.currency %}
    {% money_compact kpis.open_pipeline %}  "$27.6M" with the exact figure on hover
    {{ count|num }}  {{ value|num:1 }}  {{ split|pct }}  {{ win_rate|ratio }}
    {{ opp.stage|label:"stage" }}           "Closed lost"
    {{ counts|labelled_counts:"ledger_kind" }}   "Adjustment: 5 · Original: 12"

The money tags take the currency from the context's `currency`, else the request's
organization, else USD.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from revops import formatting
from revops.labels import label_for

register = template.Library()


def _currency(context, currency: str | None) -> str:
    if currency:
        return currency
    if context.get("currency"):
        return context["currency"]
    request = context.get("request")
    organization = getattr(request, "organization", None)
    return getattr(organization, "currency", None) or "USD"


@register.simple_tag(takes_context=True)
def money(context, value, currency: str | None = None, exact: bool = False) -> str:
    return formatting.format_money(value, _currency(context, currency), exact=exact)


@register.simple_tag(takes_context=True)
def money_compact(context, value, currency: str | None = None) -> str:
    code = _currency(context, currency)
    return format_html(
        '<span class="money-compact" title="{}">{}</span>',
        formatting.format_money(value, code, exact=True),
        formatting.format_money_compact(value, code),
    )


@register.filter
def num(value, places: int = 0) -> str:
    return formatting.format_number(value, int(places))


@register.filter
def pct(value, places: int = 1) -> str:
    return formatting.format_percent(value, int(places))


@register.filter
def ratio(value, places: int = 1) -> str:
    return formatting.format_ratio(value, int(places))


@register.filter
def label(value, concept: str) -> str:
    return label_for(concept, value)


@register.filter
def labelled_counts(counts, concept: str) -> str:
    """A {code: count} dict as "Label: n · Label: n" (sorted by label)."""
    if not counts:
        return ""
    if not isinstance(counts, dict):
        return str(counts)
    parts = sorted((label_for(concept, code), formatting.format_number(n)) for code, n in counts.items())
    return " · ".join(f"{name}: {n}" for name, n in parts)
