"""Demo people: internal users with their roles and teams, partners and partner users.

Logins follow one pattern, `<role>@<org-slug>.example`: admin, manager (whole organization),
manager1..manager6 (team managers), finance, rep1..repN, partner1..partnerN.
"""

from __future__ import annotations

from revops.demo.context import SeedContext
from revops.demo.specs import FIRST_NAMES, LAST_NAMES, PARTNER_SUFFIXES, PARTNER_WORDS
from revops.models import Membership, Partner, Role, User
from revops.models.crm import PartnerType

BATCH_SIZE = 500


def _users(ctx: SeedContext, entries: list[tuple[str, bool]]) -> dict[str, User]:
    """Create the users named by (local part, is_staff) that do not exist yet; all by e-mail."""
    emails = [ctx.spec.email(local) for local, _ in entries]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    to_create = []
    for (_local, is_staff), email in zip(entries, emails, strict=True):
        first, last = ctx.rng.choice(FIRST_NAMES), ctx.rng.choice(LAST_NAMES)
        if email in existing:
            continue
        to_create.append(
            User(
                email=email,
                first_name=first,
                last_name=last,
                password=ctx.password_hash,
                is_staff=is_staff,
                current_organization=ctx.organization,
            )
        )
    User.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    return {u.email: u for u in User.objects.filter(email__in=emails)}


def seed_people(ctx: SeedContext) -> dict[str, int]:
    """Admin, finance, an org-wide manager, one manager per team and the reps of each team."""
    org, spec = ctx.organization, ctx.spec
    rep_locals = [f"rep{n}" for n in range(1, sum(t.reps for t in spec.teams) + 1)]
    entries = [("admin", True), ("manager", False), ("finance", False)]
    entries += [(f"manager{n}", False) for n in range(1, len(spec.teams) + 1)]
    entries += [(local, False) for local in rep_locals]
    users = _users(ctx, entries)

    leaders = [
        Membership(organization=org, user=users[spec.email("admin")], role=Role.ADMIN),
        Membership(organization=org, user=users[spec.email("manager")], role=Role.MANAGER, org_wide=True),
        Membership(organization=org, user=users[spec.email("finance")], role=Role.FINANCE),
    ]
    team_managers = [
        Membership(organization=org, user=users[spec.email(f"manager{n}")], role=Role.MANAGER, team=team.name)
        for n, team in enumerate(spec.teams, start=1)
    ]
    Membership.objects.bulk_create(leaders + team_managers)

    reps = []
    rep_numbers = iter(range(1, len(rep_locals) + 1))
    for team, team_manager in zip(spec.teams, team_managers, strict=True):
        for _ in range(team.reps):
            user = users[spec.email(f"rep{next(rep_numbers)}")]
            reps.append(
                Membership(organization=org, user=user, role=Role.REP, team=team.name, manager=team_manager)
            )
    Membership.objects.bulk_create(reps, batch_size=BATCH_SIZE)
    return {"users": len(users), "memberships": len(leaders) + len(team_managers) + len(reps)}


def _partner_status(ctx: SeedContext, index: int) -> tuple[str, str]:
    """(status, lifecycle stage) that agree: churned partners are inactive, and so on."""
    roll = ctx.rng.random()
    if index < ctx.spec.partner_users:  # partners with portal users are active ones
        return Partner.Status.ACTIVE, Partner.Lifecycle.ACTIVE
    if roll < 0.62:
        return Partner.Status.ACTIVE, Partner.Lifecycle.ACTIVE
    if roll < 0.76:
        return Partner.Status.ACTIVE, Partner.Lifecycle.ONBOARDING
    if roll < 0.84:
        return Partner.Status.INACTIVE, Partner.Lifecycle.PROSPECT
    if roll < 0.94:
        return Partner.Status.INACTIVE, Partner.Lifecycle.CHURNED
    return Partner.Status.SUSPENDED, Partner.Lifecycle.ACTIVE


def seed_partners(ctx: SeedContext) -> dict[str, int]:
    """Partners of every type and tier, and portal users for the first few of them."""
    org, spec, rng = ctx.organization, ctx.spec, ctx.rng
    names = rng.sample(PARTNER_WORDS, k=min(spec.partners, len(PARTNER_WORDS)))
    partners = []
    for index in range(spec.partners):
        word = names[index % len(names)]
        name = f"{word} {rng.choice(PARTNER_SUFFIXES)}"
        if index >= len(names):
            name = f"{name} {index // len(names) + 1}"
        types = sorted(rng.sample(PartnerType.values, k=rng.choice((1, 1, 2, 2, 3))))
        tier = rng.choices(Partner.Tier.values, weights=(40, 30, 20, 10))[0]
        status, lifecycle = _partner_status(ctx, index)
        slug = name.lower().replace(" ", "")
        partners.append(
            Partner(
                organization=org,
                name=name,
                domain=f"{slug}.example",
                types=types,
                tier=tier,
                status=status,
                lifecycle_stage=lifecycle,
                external_id=f"DEMO-PTR-{index + 1:03d}",
            )
        )
    Partner.objects.bulk_create(partners)
    partners = list(
        Partner.objects.filter(organization=org, external_id__startswith="DEMO-PTR-").order_by("external_id")
    )

    with_users = partners[: spec.partner_users]
    users = _users(ctx, [(f"partner{n}", False) for n in range(1, len(with_users) + 1)])
    Membership.objects.bulk_create(
        Membership(
            organization=org, user=users[spec.email(f"partner{n}")], role=Role.PARTNER, partner=partner
        )
        for n, partner in enumerate(with_users, start=1)
    )
    return {"partners": len(partners), "users": len(users), "memberships": len(with_users)}
