"""The demo logins, as text for the console (`manage.py demo_logins`, `make run`)."""

from __future__ import annotations

from django.conf import settings

from revops.demo.specs import DEMO_ORGS, OrgSpec
from revops.models import Membership, Organization, Role

NO_DEMO_DATA = "No demo data yet: run `manage.py seed_demo`."


def _span(locals_: list[str], stem: str) -> str:
    numbers = sorted(int(local[len(stem) :]) for local in locals_)
    if len(numbers) == 1:
        return f"{stem}{numbers[0]}"
    return f"{stem}{numbers[0]}..{stem}{numbers[-1]}"


def _organization_lines(organization: Organization, spec: OrgSpec) -> list[str]:
    suffix = f"@{spec.slug}.example"
    members = list(
        Membership.objects.filter(organization=organization, user__email__endswith=suffix, is_active=True)
        .select_related("user", "partner")
        .order_by("pk")
    )
    local = {m.pk: m.user.email.removesuffix(suffix) for m in members}
    by_role: dict[str, list[Membership]] = {}
    for member in members:
        by_role.setdefault(member.role, []).append(member)
    lines = [
        f"{organization.name} ({organization.slug}, {organization.currency}, "
        f"fiscal year from month {organization.fiscal_year_start_month}, {organization.time_zone})"
    ]

    def add(login: str, what: str) -> None:
        lines.append(f"  {login + suffix:<36} {what}")

    for member in by_role.get(Role.ADMIN, []):
        add(local[member.pk], "admin")
    managers = by_role.get(Role.MANAGER, [])
    for member in (m for m in managers if m.org_wide):
        add(local[member.pk], "manager, whole organization")
    team_managers = [m for m in managers if not m.org_wide]
    if team_managers:
        teams = ", ".join(m.team for m in team_managers)
        add(_span([local[m.pk] for m in team_managers], "manager"), f"team managers ({teams})")
    for member in by_role.get(Role.FINANCE, []):
        add(local[member.pk], "finance")
    reps = by_role.get(Role.REP, [])
    if reps:
        add(_span([local[m.pk] for m in reps], "rep"), "sales reps")
    for member in by_role.get(Role.PARTNER, []):
        partner = member.partner
        assert partner is not None  # a partner membership always names its partner
        add(local[member.pk], f"partner user for {partner.name}")
    return lines


def demo_logins_text() -> str:
    """Who can sign in to the demo, grouped by organization, with the shared password."""
    organizations = {o.slug: o for o in Organization.objects.filter(slug__in=[s.slug for s in DEMO_ORGS])}
    blocks = [
        _organization_lines(organizations[spec.slug], spec)
        for spec in DEMO_ORGS
        if spec.slug in organizations
    ]
    blocks = [b for b in blocks if len(b) > 1]
    if not blocks:
        return NO_DEMO_DATA
    header = f"Demo logins (password for all: {settings.REVOPS_DEMO_PASSWORD})"
    return "\n".join([header, *("\n".join(block) for block in blocks)])
