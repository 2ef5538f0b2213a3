"""`{% record_link "account" account.pk account.name %}`: a record's name, linked to its page.

The page comes from revops.links (the registry apps add to), so every table links a record
the same way; a member who may not open that kind of page sees the name as plain text.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from revops.links import object_url

register = template.Library()


@register.simple_tag(takes_context=True)
def record_link(context, kind: str, pk, text) -> str:
    request = context.get("request")
    url = object_url(kind, pk, getattr(request, "membership", None)) if pk else None
    if url is None:
        return format_html("{}", text)
    return format_html('<a href="{}">{}</a>', url, text)


@register.simple_tag(takes_context=True)
def record_url(context, kind: str, pk) -> str:
    request = context.get("request")
    return object_url(kind, pk, getattr(request, "membership", None)) or ""
