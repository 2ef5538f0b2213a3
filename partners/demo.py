"""Demo partner program: a two-step approval policy, a partner manager, and registrations in
every state for the demo partner logins (found by revops.demo's autodiscovery).

Step `partner_program` (CLOSED_BOOKS, after the partners, deals and attribution ledger), per
organization, through the real services with timestamps in the past:

- program settings (90-day protection, notice 14 days ahead) and the policy "Standard":
  any manager first (SLA 24 h, escalating to the first admin), then an admin for deals of
  100,000 or more;
- the first partner login holds the partner-manager grant;
- each partner login registers new companies: two approved (one expiring within the notice
  window), one approved long ago and expired by the scheduled expiry, one rejected with a
  reason, one withdrawn, one waiting past its SLA (escalated), and one waiting that names
  an existing account of the CRM (a conflict shown on both sides).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from partners.models import ApprovalPolicy, ApprovalStep, DealRegistration, PartnerManagerGrant
from partners.services.approvals import registration_decide, registrations_escalate
from partners.services.program import program_settings_get
from partners.services.registrations import (
    RegistrationInput,
    registration_submit,
    registration_withdraw,
    registrations_expire,
)
from revops.demo import Phase, register_step
from revops.demo.context import SeedContext
from revops.models import Account, Membership, ProductLine, Role
from revops.models.crm import OPEN_STAGES

COMPANIES = (
    "Harbor Freight Systems",
    "Lumen Biolabs",
    "Northgate Retail",
    "Quarry Works",
    "Saltmarsh Energy",
    "Tidewater Foods",
    "Vantage Clinics",
    "Willow Logistics",
)


def _policy(ctx: SeedContext) -> ApprovalPolicy:
    org = ctx.organization
    admin = ctx.members(Role.ADMIN)[0]
    policy = ApprovalPolicy.objects.create(organization=org, name="Standard", priority=1)
    ApprovalStep.objects.create(
        organization=org,
        policy=policy,
        order=1,
        name="Channel manager",
        approver_role=Role.MANAGER,
        sla_hours=24,
        escalate_to=admin.user,
    )
    ApprovalStep.objects.create(
        organization=org,
        policy=policy,
        order=2,
        name="Sales director",
        approver_role=Role.ADMIN,
        sla_hours=48,
        min_value=Decimal("100000"),
    )
    return policy


def _input(
    ctx: SeedContext, member: Membership, name: str, line: ProductLine, value: Decimal, **extra
) -> RegistrationInput:
    partner = member.partner
    assert partner is not None
    role = (partner.types or ["referral"])[0]
    slug = name.lower().replace(" ", "")
    values = {
        "account_name": name,
        "domain": f"{slug}.example",
        "contact_name": "Sam Rivera",
        "contact_email": f"sam@{slug}.example",
        "description": f"{partner.name} brings {name}.",
        "estimated_value": value,
        "currency": ctx.organization.currency,
        "product_line": line,
        "expected_close": ctx.today + dt.timedelta(days=60),
        "role": role,
    } | extra
    return RegistrationInput(**values)


def seed_partner_program(ctx: SeedContext) -> dict[str, int]:
    org = ctx.organization
    settings = program_settings_get(organization=org)
    _policy(ctx)
    partners = ctx.members(Role.PARTNER)
    managers = [m for m in ctx.members(Role.MANAGER) if m.org_wide] or ctx.members(Role.MANAGER)
    approver = managers[0]
    lines = list(ProductLine.objects.filter(organization=org).order_by("pk"))
    PartnerManagerGrant.objects.create(organization=org, membership=partners[0])
    # A customer with open deals: registering it is a conflict on both sides.
    known = (
        Account.objects.filter(organization=org, opportunities__stage__in=OPEN_STAGES).order_by("pk").first()
    )

    def at(days_ago: int, hour: int = 10) -> dt.datetime:
        return ctx.at(ctx.today - dt.timedelta(days=days_ago), hour)

    count = 0
    for index, member in enumerate(partners):
        line = lines[index % len(lines)]
        names = [f"{c} {member.partner.name.split()[0]}" for c in COMPANIES]  # type: ignore[union-attr]

        def submit(
            name: str, days_ago: int, value: str = "48000", *, member=member, line=line, **extra
        ) -> DealRegistration:
            return registration_submit(
                membership=member,
                data=_input(ctx, member, name, line, Decimal(value), **extra),
                now=at(days_ago),
            )

        def approve(registration: DealRegistration, days_ago: int) -> None:
            registration_decide(
                membership=approver, registration_id=registration.pk, approve=True, now=at(days_ago, 15)
            )

        approve(submit(names[0], 20), 19)
        approve(submit(names[1], settings.protection_days - 8), settings.protection_days - 9)
        approve(submit(names[2], settings.protection_days + 30), settings.protection_days + 29)
        rejected = submit(names[3], 12)
        registration_decide(
            membership=approver,
            registration_id=rejected.pk,
            approve=False,
            reason="Already in our pipeline through the direct team.",
            now=at(11),
        )
        registration_withdraw(membership=member, registration=submit(names[4], 9))
        submit(names[5], 3)
        submit(names[6], 0, value="150000")
        if known is not None:
            submit(known.name, 1, domain=known.domain)
        count += 8 if known is not None else 7
    expired = registrations_expire(organization=org, today=ctx.today)
    escalated = registrations_escalate(organization=org, now=ctx.at(ctx.today, 12))
    return {"registrations": count, "expired": expired.expired, "escalated": escalated}


register_step(
    "partner_program",
    seed_partner_program,
    phase=Phase.CLOSED_BOOKS,
    requires=("partners", "opportunities", "attribution_ledger"),
)
