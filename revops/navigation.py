"""The navigation menu, grouped by job: each entry names the capability it needs; apps add theirs.

Groups appear in the order of `NavGroup` and only when the member may open at least one of
their pages; a group with a single visible page is shown as a plain link.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from django.urls import NoReverseMatch, reverse

from revops.permissions import Cap, can_use_admin, has_cap


class NavGroup(Enum):
    """The jobs the menu is grouped by, in menu order (value = the group's label)."""

    PIPELINE = "Pipeline"
    PARTNERS = "Partners"
    MARKETING = "Marketing"
    COMMISSIONS = "Commissions"
    FORECAST = "Forecast"
    LEADS = "Leads"
    ADMIN = "Admin"


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    cap: Cap
    section: str = "main"  # "main" menu or the "user" menu
    group: NavGroup = NavGroup.PIPELINE


NAV_ITEMS: list[NavItem] = [
    NavItem("Dashboard", "revops:home", Cap.DASHBOARD_VIEW),
    NavItem("Opportunities", "revops:opportunity-list", Cap.OPPORTUNITY_VIEW),
    NavItem("Import opportunities", "revops:opportunity-import", Cap.OPPORTUNITY_IMPORT),
    NavItem("Bulk import", "revops:import-index", Cap.RECORD_IMPORT),
    NavItem("Reports", "revops:reports", Cap.EXPORT),
    NavItem("Jobs", "revops:job-list", Cap.JOB_VIEW, group=NavGroup.ADMIN),
    NavItem("Backup and restore", "revops:backup", Cap.ORGANIZATION_BACKUP, group=NavGroup.ADMIN),
    NavItem("API tokens", "revops:token-list", Cap.TOKEN_MANAGE_OWN, section="user"),
]


def register(item: NavItem) -> None:
    """Let a domain app add its pages to the menu (called from its AppConfig.ready)."""
    if item not in NAV_ITEMS:
        NAV_ITEMS.append(item)


def navigation_for(request, membership) -> list[dict]:
    """The member's menu entries: label, url, section, group label, active."""
    items = []
    for item in NAV_ITEMS:
        if not has_cap(membership, item.cap):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "label": item.label,
                "url": url,
                "section": item.section,
                "group": item.group.value,
                "active": request.path == url,
            }
        )
    if can_use_admin(request.user, membership):
        items.append(
            {
                "label": "Settings (admin site)",
                "url": reverse("admin:index"),
                "section": "main",
                "group": NavGroup.ADMIN.value,
                "active": False,
            }
        )
    return items


def navigation_groups(items: list[dict]) -> list[dict]:
    """The main-menu entries grouped in NavGroup order: [{label, items, active}]."""
    groups = []
    for group in NavGroup:
        members = [i for i in items if i["section"] == "main" and i["group"] == group.value]
        if members:
            groups.append(
                {"label": group.value, "items": members, "active": any(i["active"] for i in members)}
            )
    return groups
