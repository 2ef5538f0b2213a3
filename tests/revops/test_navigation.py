"""The menu is grouped by job; each member sees only the pages their role may open."""

import pytest
from django.urls import reverse

from tests.revops.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# The rep dashboard first; every internal role sees the four (rows are scoped by rep).
COMMISSION_PAGES = [
    "Commission dashboard",
    "Commission statements",
    "Commission disputes",
    "Sales history",
    "Sales uploads",
    "Objectives",
    "Sales analysis",
]
# Finance and admins also try plan terms.
COMMISSION_EDIT_PAGES = [*COMMISSION_PAGES, "Plan simulator", "Invite a rep"]
# Leads for every internal role (a rep: their own); distribution for those who run it.
LEAD_PAGES = ["Leads", "Distribution configs", "Salespeople", "Distribution runs", "Distribution fairness"]

# Organization-wide marketing pages for admin, managers and finance; reps see journeys only.
MARKETING_PAGES = [
    "Model comparison",
    "Channel performance",
    "Attribution runs",
    "Journeys",
    "Path sets",
    "Scheduled runs",
]


FORECAST_PAGES = ["Deal risk", "Forecast", "Win model"]


def _menu(client, membership) -> list[tuple[str, list[str]]]:
    client.force_login(membership.user)
    response = client.get(reverse("revops:home"))
    return [(g["label"], [i["label"] for i in g["items"]]) for g in response.context["nav_groups"]]


def test_admin_menu_groups_pages_by_job_in_order(client):
    admin = MembershipFactory(role="admin")
    assert _menu(client, admin) == [
        ("Pipeline", ["Dashboard", "Opportunities", "Import opportunities", "Bulk import", "Reports"]),
        (
            "Partners",
            [
                "Partner performance",
                "Attribution ledger",
                "Attribution periods",
                "Attribution rules",
                "Attribution settings",
                "Deal registrations",
                "Registration links",
                "Partner disputes",
                "Partner program",
                "Partner analytics",
            ],
        ),
        ("Marketing", MARKETING_PAGES),
        ("Commissions", COMMISSION_EDIT_PAGES),
        ("Forecast", FORECAST_PAGES),
        ("Leads", LEAD_PAGES),
        ("Admin", ["Jobs", "Backup and restore", "Settings (admin site)"]),
    ]


@pytest.mark.parametrize(("role", "pipeline"), [
    ("manager", ["Dashboard", "Opportunities", "Import opportunities", "Bulk import", "Reports"]),
    ("finance", ["Dashboard", "Opportunities", "Reports"]),
])  # fmt: skip
def test_bulk_import_is_in_the_menu_of_managers_and_admins_only(client, role, pipeline):
    member = MembershipFactory(role=role)
    assert _menu(client, member)[0] == ("Pipeline", pipeline)


def test_rep_menu_has_no_admin_group(client):
    rep = MembershipFactory(role="rep")
    assert _menu(client, rep) == [
        ("Pipeline", ["Dashboard", "Opportunities", "Reports"]),
        (
            "Partners",
            [
                "Partner performance",
                "Attribution ledger",
                "Attribution periods",
                "Attribution rules",
                "Partner disputes",
            ],
        ),
        ("Marketing", ["Journeys"]),
        ("Commissions", COMMISSION_PAGES),
        ("Forecast", FORECAST_PAGES),
        ("Leads", ["Leads"]),
    ]


def test_a_group_of_one_page_renders_as_a_plain_link(client):
    # given: a manager sees Jobs but not the admin site, so "Admin" holds one page
    manager = MembershipFactory(role="manager")
    client.force_login(manager.user)

    # when
    html = client.get(reverse("revops:home")).content.decode()

    # then
    assert f'<a href="{reverse("revops:job-list")}">Jobs</a>' in html
    assert "<summary>Admin</summary>" not in html
    assert "<summary>Partners</summary>" in html


def test_partner_analytics_is_in_the_menu_of_finance_and_managers_not_reps(client):
    # Analytics is for admins, managers and finance (PartnerCap.ANALYTICS_VIEW).
    for role, shown in (("finance", True), ("manager", True), ("rep", False)):
        menu = dict(_menu(client, MembershipFactory(role=role)))
        assert ("Partner analytics" in menu["Partners"]) is shown, role
