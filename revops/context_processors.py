"""Template context: the navigation each role may use, and the organization switcher."""

from revops.navigation import navigation_for


def navigation(request) -> dict:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_membership": None}
    return {
        "nav_items": navigation_for(request, membership),
        "current_membership": membership,
    }
