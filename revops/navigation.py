"""The navigation menu: each entry names the capability it needs; apps add their own."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from revops.permissions import Cap, can_use_admin, has_cap


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    cap: Cap
    section: str = "main"


NAV_ITEMS: list[NavItem] = [
    NavItem("Dashboard", "revops:home", Cap.DASHBOARD_VIEW),
    NavItem("Opportunities", "revops:opportunity-list", Cap.OPPORTUNITY_VIEW),
    NavItem("Jobs", "revops:job-list", Cap.JOB_VIEW),
    NavItem("API tokens", "revops:token-list", Cap.TOKEN_MANAGE_OWN, section="user"),
]


def register(item: NavItem) -> None:
    """Let a domain app add its pages to the menu (called from its AppConfig.ready)."""
    if item not in NAV_ITEMS:
        NAV_ITEMS.append(item)


def navigation_for(request, membership) -> list[dict]:
    items = []
    for item in NAV_ITEMS:
        if not has_cap(membership, item.cap):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {"label": item.label, "url": url, "section": item.section, "active": request.path == url}
        )
    if can_use_admin(request.user, membership):
        items.append({"label": "Admin", "url": reverse("admin:index"), "section": "user", "active": False})
    return items
