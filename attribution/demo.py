"""Demo partner attribution: settings, rules, partner links, revenue, the posted ledger and a
correction made after the books closed.

Steps (found by revops.demo's autodiscovery), in run order per organization:

- `attribution_setup`, `attribution_links`, `attribution_revenue` run in the OPEN_BOOKS phase
  after the core "periods" step, while every month is still open;
- the core "close_periods" step closes the older months oldest first; just before each close
  the month-end task `attribution_month_end` posts that month's revenue, so every original
  lands in the month of its revenue and each month's seal holds that month's chain head;
- `attribution_ledger` (CLOSED_BOOKS) posts the revenue of the months still open;
- `attribution_adjustments` (CLOSED_BOOKS): one deal's split changes, with a reason, and the
  difference lands in the first open period, referencing the originals it corrects.

Settings, rules and the one split change go through the services (versioned, audited); the
bulk rows (links, revenue events) are written with bulk_create and built to respect the
services' invariants: one link per (target, partner, role), fixed splits of a deal and shares
of an account at most 100 %, roles the partner's types allow, amounts in whole cents.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from attribution.models import (
    AccountPartner,
    AttributionEntry,
    LinkSource,
    LinkStatus,
    OpportunityPartner,
    PartnerRole,
    RevenueEvent,
    SiMode,
)
from attribution.rule_schema import RuleAction
from attribution.rule_templates import rule_template_get
from attribution.services.ledger_align import ledger_align
from attribution.services.links import opportunity_partner_set
from attribution.services.recompute import attribution_recompute
from attribution.services.rules import rule_create, rule_update
from attribution.services.settings import attribution_settings_update
from revops.demo import Phase, SeedContext, register_month_end, register_step
from revops.models import Account, FiscalPeriod, Membership, Opportunity, Partner, Role
from revops.models.crm import Stage

# Share of deals that name partners: most partner-sourced deals do, a fifth of the others.
PARTNER_SOURCED_LINK_SHARE = 0.8
OTHER_DEAL_LINK_SHARE = 0.22
PARTNERS_PER_DEAL = ((1, 0.6), (2, 0.3), (3, 0.1))
ROLE_WEIGHTS = {
    PartnerRole.SI: 0.3,
    PartnerRole.INFLUENCE: 0.35,
    PartnerRole.REFERRAL: 0.2,
    PartnerRole.ISV: 0.15,
}
MANUAL_SPLIT_SHARE = 0.2
MANUAL_SPLITS = tuple(Decimal(p) for p in ("5", "7.50", "10", "15", "20", "25"))  # 3 × 25 ≤ 100
DEAL_LINK_SOURCES = ((LinkSource.MANUAL, 0.4), (LinkSource.REGISTRATION, 0.35), (LinkSource.SYNC, 0.25))
PENDING_REGISTRATION_SHARE = 0.1  # registrations still waiting for approval
ACCOUNT_LINK_SHARE = 0.15
ACCOUNT_SI_SPLITS = tuple(Decimal(p) for p in ("10", "15", "20", "25", "30", "40"))
ACCOUNT_REFERRAL_SPLITS = tuple(Decimal(p) for p in ("5", "7.50", "10"))  # with SI at most 50 %
# Customers billed monthly (at scale 1.0), from the month after their first win.
ACTIVE_ACCOUNTS = 60
# A won deal adds a twelfth of its amount to the account's monthly bill for a year (a yearly
# subscription billed monthly); usage moves each bill within this range.
SUBSCRIPTION_MONTHS = 12
USAGE_RANGE = (0.92, 1.08)
BATCH_SIZE = 2000  # rows per INSERT; Django splits further to the database parameter limit
SPLIT_CHANGE_REASON = "Partner agreement amended"

SETTINGS = {
    "acme": {
        "si_mode": SiMode.LIVE_SHARE,
        "si_fixed_percent": Decimal("0.00"),
        "default_splits": {"si": "10.00", "influence": "5.00", "referral": "10.00", "isv": "5.00"},
    },
    "globex": {
        "si_mode": SiMode.FIXED_PERCENT,
        "si_fixed_percent": Decimal("12.50"),
        "default_splits": {"si": "12.50", "influence": "4.00", "referral": "8.00", "isv": "6.00"},
    },
}
RULES = {
    "acme": (
        "no-credit-closed-lost",
        "no-influence-under-10k",
        "referral-10",
        "si-enterprise-20",
        "cap-any-partner-30",
    ),
    "globex": ("no-credit-closed-lost", "referral-10", "platinum-referral-15", "influence-5", "cap-isv-15"),
}
# (template key, percent of its first version, reason of the second): one rule per organization
# starts elsewhere and is changed to the template, so it has two versions.
REVISED_RULES = {
    "acme": ("referral-10", Decimal("8"), "Referral programme raised from 8 % to 10 %."),
    "globex": ("influence-5", Decimal("3"), "Influence credit raised from 3 % to 5 %."),
}


def _admin(ctx: SeedContext) -> Membership:
    return ctx.members(Role.ADMIN)[0]


def _weighted(rng: random.Random, pairs) -> object:
    values, weights = zip(*(pairs.items() if isinstance(pairs, dict) else pairs), strict=True)
    return rng.choices(values, weights=weights)[0]


def seed_attribution_setup(ctx: SeedContext) -> dict[str, int]:
    """The organization's attribution settings and a handful of rules from the templates."""
    admin, slug = _admin(ctx), ctx.spec.slug
    attribution_settings_update(
        organization=admin.organization, actor=admin.user, data=SETTINGS.get(slug, SETTINGS["acme"])
    )
    revised_key, first_percent, reason = REVISED_RULES.get(slug, REVISED_RULES["acme"])
    versions = 0
    for key in RULES.get(slug, RULES["acme"]):
        template = rule_template_get(key)
        first = template
        if key == revised_key:
            first = template.model_copy(
                update={"action": RuleAction(kind=template.action.kind, percent=first_percent)}
            )
        rule = rule_create(
            organization=admin.organization,
            actor=admin.user,
            name=template.name,
            definition=first,
            priority=template.priority,
            description=template.description,
        ).rule
        versions += 1
        if first is not template:
            rule_update(
                organization=admin.organization,
                actor=admin.user,
                rule=rule,
                reason=reason,
                definition=template,
            )
            versions += 1
    return {"attribution_rules": len(RULES.get(slug, RULES["acme"])), "attribution_rule_versions": versions}


def _partners_by_role(ctx: SeedContext) -> dict[str, list[int]]:
    """Active partners that may take each role (a role their types include), by external id."""
    by_role: dict[str, list[int]] = defaultdict(list)
    partners = Partner.objects.filter(organization=ctx.organization, status=Partner.Status.ACTIVE).order_by(
        "external_id", "pk"
    )
    for partner_id, types in partners.values_list("pk", "types"):
        for role in types or ():
            by_role[role].append(partner_id)
    return by_role


def _deal_links(ctx: SeedContext, deal_id: int, partner_sourced: bool, by_role) -> list[OpportunityPartner]:
    rng = ctx.rng
    count = _weighted(rng, PARTNERS_PER_DEAL)
    roles = [PartnerRole.REFERRAL] if partner_sourced else []
    roles += [_weighted(rng, ROLE_WEIGHTS) for _ in range(count - len(roles))]
    links, taken = [], set()
    for role in roles:
        pool = [p for p in by_role.get(role, ()) if (p, role) not in taken]
        if not pool:
            continue
        partner_id = rng.choice(pool)
        taken.add((partner_id, role))
        source = _weighted(rng, DEAL_LINK_SOURCES)
        pending = source == LinkSource.REGISTRATION and rng.random() < PENDING_REGISTRATION_SHARE
        split = rng.choice(MANUAL_SPLITS) if rng.random() < MANUAL_SPLIT_SHARE else None
        links.append(
            OpportunityPartner(
                organization=ctx.organization,
                opportunity_id=deal_id,
                partner_id=partner_id,
                role=role,
                split_percent=split,
                source=source,
                status=LinkStatus.PENDING if pending else LinkStatus.ACTIVE,
            )
        )
    return links


def _account_links(ctx: SeedContext, account_id: int, by_role) -> list[AccountPartner]:
    rng = ctx.rng
    shape = rng.choice(((PartnerRole.SI,), (PartnerRole.REFERRAL,), (PartnerRole.SI, PartnerRole.REFERRAL)))
    links = []
    for role in shape:
        if not by_role.get(role):
            continue
        splits = ACCOUNT_SI_SPLITS if role == PartnerRole.SI else ACCOUNT_REFERRAL_SPLITS
        links.append(
            AccountPartner(
                organization=ctx.organization,
                account_id=account_id,
                partner_id=rng.choice(by_role[role]),
                role=role,
                split_percent=rng.choice(splits),
                source=rng.choice((LinkSource.MANUAL, LinkSource.SYNC)),
            )
        )
    return links


def seed_attribution_links(ctx: SeedContext) -> dict[str, int]:
    """Partners on about 30 % of deals (1-3 each) and shares of about 15 % of accounts."""
    org, rng = ctx.organization, ctx.rng
    by_role = _partners_by_role(ctx)
    deal_links: list[OpportunityPartner] = []
    deals = Opportunity.objects.filter(organization=org).order_by("external_id", "pk")
    for deal_id, lead_source in deals.values_list("pk", "lead_source"):
        partner_sourced = lead_source == "Partner referral"
        share = PARTNER_SOURCED_LINK_SHARE if partner_sourced else OTHER_DEAL_LINK_SHARE
        if rng.random() < share:
            deal_links += _deal_links(ctx, deal_id, partner_sourced, by_role)
    account_ids = list(
        Account.objects.filter(organization=org).order_by("external_id", "pk").values_list("pk", flat=True)
    )
    account_links: list[AccountPartner] = []
    for account_id in sorted(rng.sample(account_ids, k=round(len(account_ids) * ACCOUNT_LINK_SHARE))):
        account_links += _account_links(ctx, account_id, by_role)
    OpportunityPartner.objects.bulk_create(deal_links, batch_size=BATCH_SIZE)
    AccountPartner.objects.bulk_create(account_links, batch_size=BATCH_SIZE)
    return {"deal_partner_links": len(deal_links), "account_partner_links": len(account_links)}


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of the months from `first`'s month through `last`'s, in order."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _monthly_bills(
    rng: random.Random, *, wins: list[tuple[dt.date, Decimal]], today: dt.date
) -> list[tuple[dt.date, Decimal]]:
    """An account's bills on the first of each month: a twelfth of each deal won in the year
    before, moved a little by usage; months without a live subscription bill nothing."""
    first_win = min(day for day, _ in wins)
    bills = []
    for month in _month_starts(first_win + dt.timedelta(days=1), today):
        year_before = month - dt.timedelta(days=SUBSCRIPTION_MONTHS * 365 // 12)
        live = sum((amount for day, amount in wins if year_before <= day < month), Decimal(0))
        if live > 0:
            cents = round(float(live) / SUBSCRIPTION_MONTHS * rng.uniform(*USAGE_RANGE) * 100)
            bills.append((month, Decimal(cents).scaleb(-2)))
    return bills


def seed_attribution_revenue(ctx: SeedContext) -> dict[str, int]:
    """Bookings of every deal won (three years), and monthly bills of about 60 customers."""
    org, rng = ctx.organization, ctx.rng
    won = Opportunity.objects.filter(organization=org, stage=Stage.CLOSED_WON, close_date__lte=ctx.today)
    events = [
        RevenueEvent(
            organization=org,
            opportunity_id=deal_id,
            account_id=account_id,
            date=close_date,
            amount=amount,
            source=RevenueEvent.Source.CLOSED_WON_BOOKING,
            external_id=f"DEMO-BKG-{external_id}",
        )
        for deal_id, account_id, close_date, amount, external_id in won.order_by(
            "external_id", "pk"
        ).values_list("pk", "account_id", "close_date", "amount", "external_id")
    ]
    bookings = len(events)
    # Customers are the accounts with won deals; a third of the billed ones have partner
    # shares, so account attribution shows at every scale.
    wins_by_account: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    external_ids = {}
    for account_id, account_external_id, close_date, amount in won.order_by("close_date", "pk").values_list(
        "account_id", "account__external_id", "close_date", "amount"
    ):
        wins_by_account[account_id].append((close_date, amount))
        external_ids[account_id] = account_external_id
    customers = sorted(wins_by_account, key=external_ids.__getitem__)
    shared = set(AccountPartner.objects.filter(organization=org).values_list("account_id", flat=True))
    wanted = ctx.scaled(ACTIVE_ACCOUNTS)
    with_partners = [c for c in customers if c in shared]
    picked = rng.sample(with_partners, k=min(len(with_partners), max(1, wanted // 3)))
    others = [c for c in customers if c not in shared]
    picked += rng.sample(others, k=min(len(others), wanted - len(picked)))
    for account_id in sorted(picked, key=external_ids.__getitem__):
        for month, amount in _monthly_bills(rng, wins=wins_by_account[account_id], today=ctx.today):
            events.append(
                RevenueEvent(
                    organization=org,
                    account_id=account_id,
                    date=month,
                    amount=amount,
                    source=RevenueEvent.Source.MONTHLY_ACCOUNT_REVENUE,
                    external_id=f"DEMO-REV-{external_ids[account_id]}-{month:%Y%m}",
                )
            )
    RevenueEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    return {"revenue_bookings": bookings, "revenue_monthly": len(events) - bookings}


def attribution_month_end(ctx: SeedContext, period: FiscalPeriod) -> dict[str, int]:
    """Post the partner shares of one month's revenue, just before finance closes the month."""
    event_ids = list(
        RevenueEvent.objects.filter(
            organization=ctx.organization, date__gte=period.start_date, date__lte=period.end_date
        ).values_list("pk", flat=True)
    )
    if not event_ids:
        return {"ledger_entries": 0}
    result = attribution_recompute(
        organization=ctx.organization, actor=ctx.finance_user(), event_ids=event_ids
    )
    return {"ledger_entries": result.entries}


def seed_attribution_ledger(ctx: SeedContext) -> dict[str, int]:
    """Post the partner shares of the revenue of the months still open (the closed months were
    posted at their month end); originals, in the months of their dates."""
    result = attribution_recompute(organization=ctx.organization, actor=ctx.finance_user())
    return {"ledger_entries": result.entries}


def seed_attribution_adjustments(ctx: SeedContext) -> dict[str, int]:
    """Amend one partner's split on a deal booked in a closed month, with a reason.

    The change is posted at once (the link-change service recomputes the deal): adjustments in
    the first open period, each referencing the original it corrects; the closed month keeps
    its sealed totals.
    """
    org = ctx.organization
    candidates = list(
        AttributionEntry.objects.filter(
            organization=org,
            scope=AttributionEntry.Scope.OPPORTUNITY,
            kind=AttributionEntry.Kind.ORIGINAL,
            period__status=FiscalPeriod.Status.CLOSED,
        )
        .order_by("revenue_event__external_id", "partner__external_id", "role")
        .values_list("revenue_event__opportunity_id", "partner_id", "role", "split_percent")
    )
    if not candidates:
        return {"ledger_adjustments": 0}
    deal_id, partner_id, role, percent = ctx.rng.choice(candidates)
    link = OpportunityPartner.objects.get(opportunity_id=deal_id, partner_id=partner_id, role=role)
    # Lower a share (caps only ever lower, so the new split is what gets posted); raise a small one.
    new_percent = percent - 5 if percent > 5 else percent + 5
    before = AttributionEntry.objects.filter(organization=org).count()
    admin = _admin(ctx)
    opportunity_partner_set(
        membership=admin,
        opportunity=link.opportunity,
        partner=link.partner,
        role=role,
        split_percent=new_percent,
        reason=SPLIT_CHANGE_REASON,
        status=link.status,
        source=link.source,
    )
    # The demo shows the adjustment at once rather than after the queued alignment runs.
    ledger_align(organization=org, actor=admin.user, account_ids=[link.opportunity.account_id])
    return {"ledger_adjustments": AttributionEntry.objects.filter(organization=org).count() - before}


def seed_attribution_report_schedules(ctx: SeedContext) -> dict[str, int]:
    """The first admin's weekly executive report, mailed to them and the finance team (members
    who see the whole organization, so the schedule's recipient rule lets them receive it)."""
    from revops.models import ReportFrequency, ReportSchedule
    from revops.services.reports import report_schedule_create

    org = ctx.organization
    if ReportSchedule.objects.filter(organization=org).exists():
        return {"report_schedules": 0}
    members = Membership.objects.filter(organization=org, is_active=True).select_related(
        "user", "organization"
    )
    owner = members.filter(role=Role.ADMIN).order_by("user__email").first()
    if owner is None:
        return {"report_schedules": 0}
    finance = list(members.filter(role=Role.FINANCE).order_by("user__email"))
    report_schedule_create(
        owner=owner,
        actor=owner.user,
        name="Monday executive report",
        report="executive",
        period="this_quarter",
        frequency=ReportFrequency.WEEKLY,
        fmt="pdf",
        recipients=[owner, *finance],
    )
    return {"report_schedules": 1}


# History is written while every month is open and posted month by month as the months close;
# the open months post after the close, and the correction comes last.
register_step("attribution_setup", seed_attribution_setup, phase=Phase.OPEN_BOOKS, requires=("periods",))
register_step(
    "attribution_links",
    seed_attribution_links,
    phase=Phase.OPEN_BOOKS,
    requires=("attribution_setup", "opportunities", "partners"),
)
register_step(
    "attribution_revenue", seed_attribution_revenue, phase=Phase.OPEN_BOOKS, requires=("attribution_links",)
)
register_month_end("attribution_ledger", attribution_month_end)
register_step(
    "attribution_ledger", seed_attribution_ledger, phase=Phase.CLOSED_BOOKS, requires=("attribution_revenue",)
)
register_step(
    "attribution_adjustments",
    seed_attribution_adjustments,
    phase=Phase.CLOSED_BOOKS,
    requires=("attribution_ledger",),
)
register_step(
    "attribution_report_schedules",
    seed_attribution_report_schedules,
    phase=Phase.CLOSED_BOOKS,
    requires=("attribution_adjustments",),
)
