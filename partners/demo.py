"""Demo partner program: a two-step approval policy, a partner manager, and registrations in
every state for the demo partner logins (found by revops.demo's autodiscovery).

Step `partner_program` (CLOSED_BOOKS, after the partners, deals and attribution ledger), per
organization, through the real services with timestamps in the past:

- program settings (90-day protection, notice 14 days ahead) and the policy "Standard":
  any manager first (SLA 24 h, escalating to the first admin), then an admin for deals of
  100,000 or more;
- the first partner login holds the partner-manager grant;
- each partner login registers customers the sales team already works (an org-wide manager
  approves them, linking their open deal as it is: no account or deal is created, so the
  demo book keeps its sizes): one recent, one expiring within the notice window, one
  approved long ago and expired by the scheduled expiry; and new companies: one rejected
  with a reason, one withdrawn, one waiting past its SLA (escalated), one large one waiting
  on two steps; and one waiting that names another partner's approved customer (a conflict
  shown on both sides).

Step `partner_disputes` (after `partner_program`), per organization: the first partner login
(preferably one whose partner has a deal with revenue) disputes its split on two of its deals
— one under review with a comment thread and an internal note, one rejected with a reason —
and a rep disputes a partner's split on a deal with revenue for the partner, which an
org-wide manager accepts (the split changes and the ledger gets its adjustment citing it).
Step `partner_standing` (after it): the tiers Registered / Silver / Gold (Silver and Gold at
the median and the 80th percentile of the partners' attributed revenue of the last 365 days,
so the demo book always spreads over them; Gold also asks two registrations won and one
certification), a certification for the first partner, a three-step onboarding checklist —
done by the partners with a login (active), half done by one other partner (onboarding), the
rest prospects — and two computations, 30 days apart, so tiers, health and alerts have history
(downgrades wait for approval).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef

from attribution.selectors.splits import deal_split_results
from partners import engine
from partners.models import (
    ApprovalPolicy,
    ApprovalStep,
    DealRegistration,
    OnboardingStep,
    PartnerCertification,
    PartnerManagerGrant,
    ProgramTier,
)
from partners.selectors.program import program_figures
from partners.services.approvals import registration_decide, registrations_escalate
from partners.services.disputes import dispute_comment, dispute_open, dispute_resolve
from partners.services.program import program_settings_get
from partners.services.registrations import (
    RegistrationInput,
    registration_submit,
    registration_withdraw,
    registrations_expire,
)
from partners.services.standing import onboarding_step_complete, program_recompute
from revops.demo import Phase, register_step
from revops.demo.context import SeedContext
from revops.models import Membership, Opportunity, Partner, ProductLine, Role
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


def _open_deals(ctx: SeedContext, approver: Membership, partner_id: int, used: set[int]) -> list[Opportunity]:
    """Three open deals the approver sees, on accounts no registration claimed yet, where the
    partner has no link: an approval links the deal as it is (no account or deal is created).

    Deals that already have one or two partners come first, so the demo's share of partnered
    deals and its at-most-three partners per deal stay as attribution's demo made them; deals
    without partners fill in when those run out, so every partner login gets three approvals.
    """
    base = (
        Opportunity.objects.visible_to(approver)
        .filter(stage__in=OPEN_STAGES, product_line__isnull=False)
        .exclude(partner_links__partner_id=partner_id)
        .annotate(partners=Count("partner_links"))
        .select_related("account", "product_line")
        .order_by("pk")
    )
    chosen: list[Opportunity] = []
    for deals in (base.filter(partners__gte=1, partners__lte=2), base.filter(partners=0)):
        for deal in deals:
            if len(chosen) == 3:
                return chosen
            if deal.account_id in used:
                continue
            first = (
                Opportunity.objects.filter(
                    account_id=deal.account_id, product_line_id=deal.product_line_id, stage__in=OPEN_STAGES
                )
                .order_by("created_date", "id")
                .first()
            )
            if first is not None and first.pk == deal.pk:
                chosen.append(deal)
                used.add(deal.account_id)
    return chosen


def seed_partner_program(ctx: SeedContext) -> dict[str, int]:
    org = ctx.organization
    settings = program_settings_get(organization=org)
    _policy(ctx)
    partners = ctx.members(Role.PARTNER)
    managers = [m for m in ctx.members(Role.MANAGER) if m.org_wide] or ctx.members(Role.MANAGER)
    approver = managers[0]
    lines = list(ProductLine.objects.filter(organization=org).order_by("pk"))
    PartnerManagerGrant.objects.create(organization=org, membership=partners[0])
    used: set[int] = set()

    def at(days_ago: int, hour: int = 10) -> dt.datetime:
        return ctx.at(ctx.today - dt.timedelta(days=days_ago), hour)

    count = 0
    for index, member in enumerate(partners):
        line = lines[index % len(lines)]
        word = member.partner.name.split()[0]  # type: ignore[union-attr]
        names = [f"{c} {word}" for c in COMPANIES]

        def submit(
            name: str, days_ago: int, value: str = "48000", *, member=member, line=line, **extra
        ) -> DealRegistration:
            return registration_submit(
                membership=member,
                data=_input(ctx, member, name, extra.pop("product_line", line), Decimal(value), **extra),
                now=at(days_ago),
            )

        def approve(registration: DealRegistration, days_ago: int) -> None:
            registration_decide(
                membership=approver, registration_id=registration.pk, approve=True, now=at(days_ago, 15)
            )

        # Approved: the partner registers customers the sales team already works (their open
        # deal is linked as it is); one recently, one close to the end of its window, one long
        # ago (expired below by the scheduled expiry).
        ages = (20, settings.protection_days - 8, settings.protection_days + 30)
        for deal, days_ago in zip(
            _open_deals(ctx, approver, member.partner_id or 0, used), ages, strict=False
        ):
            registration = submit(
                deal.account.name, days_ago, domain=deal.account.domain, product_line=deal.product_line
            )
            approve(registration, days_ago - 1)
            count += 1
        rejected = submit(names[3], 12)
        registration_decide(
            membership=approver,
            registration_id=rejected.pk,
            approve=False,
            reason="Already in our pipeline through the direct team.",
            now=at(11),
        )
        registration_withdraw(membership=member, registration=submit(names[4], 9))
        submit(names[5], 3)  # waiting past its 24-hour SLA: escalated below
        submit(names[6], 0, value="150000")  # two steps: manager, then admin
        # Waiting: another partner's approved customer (a conflict on both sides).
        claimed = DealRegistration.objects.filter(organization=org, status="approved").exclude(
            partner_id=member.partner_id
        )
        other = claimed.order_by("pk").first()
        if other is not None:
            submit(other.account_name, 1, domain=other.domain, product_line=other.product_line)
            count += 1
        count += 4
    expired = registrations_expire(organization=org, today=ctx.today)
    escalated = registrations_escalate(organization=org, now=ctx.at(ctx.today, 12))
    return {"registrations": count, "expired": expired.expired, "escalated": escalated}


register_step(
    "partner_program",
    seed_partner_program,
    phase=Phase.CLOSED_BOOKS,
    requires=("partners", "opportunities", "attribution_ledger"),
)


def _asked(deal: Opportunity, partner_id: int) -> Decimal | None:
    """5 points above the partner's split on the deal now (as the engine computes it), when the
    deal's other fixed splits leave room for it."""
    current = next(
        (r.percent for r in deal_split_results(deal=deal) if r.partner_id == partner_id and r.allowed), None
    )
    others = (
        Opportunity.objects.filter(pk=deal.pk, partner_links__status="active")
        .exclude(partner_links__partner_id=partner_id)
        .values_list("partner_links__split_percent", flat=True)
    )
    room = Decimal("100") - sum((o or Decimal("0") for o in others), Decimal("0"))
    asked = (current if current is not None else Decimal("10")) + Decimal("5")
    return asked if asked <= room else None


def _disputable_deals(approver: Membership, partner_id: int) -> list[tuple[int, Decimal, bool]]:
    """Three deals the approver sees where the partner has an active link, each with the split
    the dispute asks for. The second (the one accepted) has revenue, so its acceptance
    reaches the ledger."""
    deals = (
        Opportunity.objects.visible_to(approver)
        .filter(partner_links__partner_id=partner_id, partner_links__status="active")
        .annotate(revenue=Exists(Opportunity.objects.filter(pk=OuterRef("pk"), revenue_events__isnull=False)))
        .select_related("organization")
        .distinct()
        .order_by("-revenue", "pk")[:20]
    )
    chosen: list[tuple[int, Decimal, bool]] = []
    for deal in deals:
        asked = _asked(deal, partner_id)
        if asked is not None:
            chosen.append((deal.pk, asked, deal.revenue))
    with_revenue = [c for c in chosen if c[2]]
    ordered = chosen if not with_revenue else [c for c in chosen if c != with_revenue[0]]
    if with_revenue:
        ordered.insert(min(1, len(ordered)), with_revenue[0])
    return ordered[:3]


def _revenue_dispute(ctx: SeedContext, approver: Membership, *, claim: str, now: dt.datetime):
    """A dispute on a partnered deal with revenue (so accepting it reaches the ledger), opened
    for the partner by the deal's rep (or an admin); None when no partnered deal has revenue."""
    rows = (
        Opportunity.objects.visible_to(approver)
        .filter(partner_links__status="active", revenue_events__isnull=False)
        .values_list("pk", "partner_links__partner_id", "owner_id")
        .distinct()
        .order_by("pk")[:50]
    )
    members = {m.user_id: m for m in ctx.members(Role.REP)}
    admins = ctx.members(Role.ADMIN)
    for deal_id, partner_id, owner_id in rows:
        deal = Opportunity.objects.select_related("organization").get(pk=deal_id)
        asked = _asked(deal, partner_id)
        opener = members.get(owner_id) or (admins[0] if admins else None)
        if asked is not None and opener is not None and opener.user_id != approver.user_id:
            return dispute_open(
                membership=opener,
                opportunity_id=deal_id,
                partner_id=partner_id,
                claim=claim,
                proposed_split_percent=asked,
                now=now,
            )
    return None


def seed_partner_disputes(ctx: SeedContext) -> dict[str, int]:
    partners = ctx.members(Role.PARTNER)
    managers = [m for m in ctx.members(Role.MANAGER) if m.org_wide] or ctx.members(Role.MANAGER)
    if not partners or not managers:
        return {"disputes": 0}
    approver = managers[0]
    # The first partner login whose partner has a deal with revenue (so the acceptance reaches
    # the ledger); else the first partner login.
    member, deals = partners[0], _disputable_deals(approver, partners[0].partner_id or 0)
    for candidate in partners:
        found = _disputable_deals(approver, candidate.partner_id or 0)
        if any(revenue for _, _, revenue in found):
            member, deals = candidate, found
            break

    def at(days_ago: int, hour: int = 10) -> dt.datetime:
        return ctx.at(ctx.today - dt.timedelta(days=days_ago), hour)

    claims = (
        "We ran the discovery workshop and introduced the buyer; our split should reflect that.",
        "The customer came to us first; the referral was logged in our CRM before the first call.",
        "Our team did the technical evaluation; we ask for a larger share.",
    )
    opened = [
        dispute_open(
            membership=member,
            opportunity_id=deal_id,
            claim=claim,
            proposed_split_percent=asked,
            now=at(days_ago),
        )
        for (deal_id, asked, _), claim, days_ago in zip(deals, (claims[0], claims[2]), (2, 6), strict=False)
    ]
    if opened:
        dispute_comment(
            membership=approver,
            dispute_id=opened[0].pk,
            body="Checking the activity history of the deal before we answer.",
            internal=True,
        )
        dispute_comment(
            membership=approver,
            dispute_id=opened[0].pk,
            body="Could you send the workshop agenda and attendees?",
        )
        dispute_comment(
            membership=member, dispute_id=opened[0].pk, body="Attached to our next message: agenda and list."
        )
    accepted = _revenue_dispute(ctx, approver, claim=claims[1], now=at(9))
    if accepted is None and len(deals) > 2:
        accepted = dispute_open(
            membership=member,
            opportunity_id=deals[2][0],
            claim=claims[1],
            proposed_split_percent=deals[2][1],
            now=at(9),
        )
    if accepted is not None:
        dispute_resolve(
            membership=approver,
            dispute_id=accepted.pk,
            accept=True,
            reason="The referral is on record before the first call.",
            now=at(5, 15),
        )
    rejected = opened[1] if len(opened) > 1 else None
    if rejected is not None:
        dispute_resolve(
            membership=approver,
            dispute_id=rejected.pk,
            accept=False,
            reason="The evaluation was run by our solutions engineers; the split stays.",
            now=at(3, 15),
        )
    return {"disputes": len(opened) + (accepted is not None)}


register_step(
    "partner_disputes",
    seed_partner_disputes,
    phase=Phase.CLOSED_BOOKS,
    requires=("partner_program",),
)


CHECKLIST = ("Partner agreement signed", "Sales training completed", "First joint account plan")


def _threshold(values: list[Decimal], share: float) -> Decimal:
    """The value at `share` of the sorted list, rounded down to a thousand (at least 1,000)."""
    if not values:
        return Decimal("1000")
    value = sorted(values)[min(len(values) - 1, int(len(values) * share))]
    return max(Decimal("1000"), (value // 1000) * 1000)


def seed_partner_standing(ctx: SeedContext) -> dict[str, int]:
    org = ctx.organization
    settings = program_settings_get(organization=org)
    settings.tier_downgrade_needs_approval = True
    settings.save(update_fields=["tier_downgrade_needs_approval", "updated_at"])
    # The partners' attributed revenue of the last 365 days (a tier spec with that window).
    yearly_spec = engine.TierSpec(Partner.Tier.SILVER, 2, 365, Decimal(0), 0, 0)
    yearly = [
        f.revenue.get(365, Decimal(0))
        for f in program_figures(organization=org, today=ctx.today, specs=[yearly_spec]).tiers.values()
    ]
    positive = [v for v in yearly if v > 0]
    ProgramTier.objects.create(organization=org, tier=Partner.Tier.REGISTERED, rank=1)
    ProgramTier.objects.create(
        organization=org,
        tier=Partner.Tier.SILVER,
        rank=2,
        min_attributed_revenue=_threshold(positive, 0.5),
    )
    ProgramTier.objects.create(
        organization=org,
        tier=Partner.Tier.GOLD,
        rank=3,
        min_attributed_revenue=_threshold(positive, 0.8),
        min_registrations_won=2,
        min_certifications=1,
    )
    partners = list(Partner.objects.filter(organization=org).order_by("pk"))
    logins = {m.partner_id for m in ctx.members(Role.PARTNER)}
    if partners:
        PartnerCertification.objects.create(
            organization=org,
            partner=partners[0],
            name="Certified implementation consultant",
            issued_on=ctx.today - dt.timedelta(days=200),
            expires_on=ctx.today + dt.timedelta(days=165),
        )
    steps = [
        OnboardingStep.objects.create(organization=org, name=name, order=i + 1)
        for i, name in enumerate(CHECKLIST)
    ]
    manager = ([m for m in ctx.members(Role.MANAGER) if m.org_wide] or ctx.members(Role.MANAGER))[0]
    Partner.objects.filter(organization=org).update(
        tier=Partner.Tier.REGISTERED, lifecycle_stage=Partner.Lifecycle.PROSPECT
    )
    others = [p for p in partners if p.pk not in logins]
    for partner in partners:
        if partner.pk in logins:
            done = steps
        elif others and partner.pk == others[0].pk:
            done = steps[:2]
        else:
            continue
        for step in done:
            onboarding_step_complete(membership=manager, partner_id=partner.pk, step_id=step.pk)
    earlier = program_recompute(organization=org, today=ctx.today - dt.timedelta(days=30))
    latest = program_recompute(organization=org, today=ctx.today)
    return {
        "tiers": 3,
        "tier changes": earlier["tiers applied"] + latest["tiers applied"] + latest["downgrades pending"],
        "alerts": earlier["alerts"] + latest["alerts"],
    }


register_step(
    "partner_standing",
    seed_partner_standing,
    phase=Phase.CLOSED_BOOKS,
    # After the disputes, so the partners' health counts them.
    requires=("partner_program", "partner_disputes"),
)

# Touchpoints and split changes have their own module (registered on import).
from partners import demo_touchpoints  # noqa: E402, F401
