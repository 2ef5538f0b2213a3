"""Template context: the navigation each role may use, and the organization switcher."""

from django.utils.functional import SimpleLazyObject

from revops.navigation import navigation_for, navigation_groups
from revops.tenancy import memberships_for


def navigation(request) -> dict:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_groups": [], "current_membership": None, "user_memberships": []}
    items = navigation_for(request, membership)
    return {
        "nav_items": items,
        "nav_groups": navigation_groups(items),
        "current_membership": membership,
        # Lazy: queried only when a template shows the organization switcher.
        "user_memberships": SimpleLazyObject(lambda: memberships_for(user)),
    }
