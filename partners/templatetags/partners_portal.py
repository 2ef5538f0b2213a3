"""Template tags of the partner portal's layout."""

from django import template

from partners.selectors.registrations import is_partner_manager

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_manager(context) -> bool:
    """Whether the signed-in partner user holds the partner-manager grant (the Users menu)."""
    request = context.get("request")
    return is_partner_manager(getattr(request, "membership", None))
