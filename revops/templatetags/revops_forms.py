"""Form helpers: `{% form_token %}`, the one-time token that makes a double submit one effect
(revops.submit_once)."""

from django import template
from django.utils.html import format_html

from revops.submit_once import FIELD, new_form_token

register = template.Library()


@register.simple_tag
def form_token() -> str:
    """A hidden one-time token for a form whose view is decorated with `@submit_once`."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_form_token())
