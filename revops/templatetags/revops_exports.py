"""`{% export_buttons "opportunities" %}`: the declared export formats of a page, as buttons.

Each button is the page's own URL with its filters and `export=<fmt>`; shown only to members
who may export it (Cap.EXPORT and the export's capability). A record page's buttons name the
page with its URL arguments, so they also work from a page a form posted to. A page with
several tables, each exported from its own URL, names that URL: `{% export_buttons key page=True %}`.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from revops.export_registry import FORMAT_LABELS, export_spec
from revops.permissions import Cap, has_cap

register = template.Library()


@register.simple_tag(takes_context=True)
def export_buttons(context, key: str, page: bool = False) -> str:
    request = context["request"]
    spec = export_spec(key)
    membership = getattr(request, "membership", None)
    if not (has_cap(membership, Cap.EXPORT) and has_cap(membership, spec.cap)):
        return ""
    query = request.GET.copy()
    query.pop("page", None)
    path = reverse(spec.page) if page and not spec.url_kwargs else ""
    if spec.url_kwargs:
        current = request.resolver_match.kwargs
        path = reverse(spec.page, kwargs={name: current[name] for name in spec.url_kwargs})
    links = []
    for fmt in spec.formats:
        query["export"] = fmt
        links.append((f"{path}?{query.urlencode()}", fmt, FORMAT_LABELS[fmt]))
    buttons = format_html_join("", '<a class="btn btn-small" href="{}" data-export="{}">{}</a>', links)
    return format_html('<div class="actions export-buttons">{}</div>', buttons)
