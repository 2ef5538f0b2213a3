"""The demo commission book: plans and their versions, who is paid on what, objectives, and the
reference tables the sales sources are read with (rep aliases, territories, service names).

Who sells what comes from the demo's deals: a rep is assigned to every product line they won
a deal in since the year before the book starts. A rep's objective for a year is what they
won in the year before, grown by 5-20 % (half a typical rep's year for one who won nothing),
split over their lines by what they sold in each, smoothed toward the organization's mix, and
spread over each quarter's months with the last month heaviest, as quarter-end deals are.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from commissions.models import (
    BusinessObjective,
    CommissionBasis,
    CommissionPlan,
    CommissionPlanVersion,
    ObjectivePeriod,
    PlanAssignment,
    RepAlias,
    Semantics,
    ServiceMapping,
    Territory,
)
from commissions.selectors.inputs import fiscal_year_start
from revops.demo import SeedContext
from revops.models import Membership, Opportunity, Product, ProductLine, Role
from revops.models.crm import Stage

BATCH_SIZE = 2000
HISTORY_MONTHS = 15  # sales, statements: the current month and the 14 before it
OBJECTIVE_GROWTH = (1.05, 1.2)
# A rep who sold nothing the year before (new, ramping up) gets this share of the median rep's year.
RAMPING_SHARE = 0.5
DEFAULT_REP_YEAR = 250_000  # the median rep's year when nobody sold anything
# How much a rep's split of their objective over lines leans on the organization's mix rather
# than on their own sales of last year (1: as much).
MIX_SMOOTHING = 0.5
QUARTER_WEIGHTS = (0.3, 0.3, 0.4)  # the quarter's last month carries the quarter-end deals
ZIPS_PER_REP = 3
ERP_CODE = "VK-{number:03d}"  # the salesperson number the ERP export writes


@dataclass(frozen=True)
class PlanSpec:
    """A demo plan: its first terms from the start of the book, revised terms from the current
    fiscal year when `revised` is set, and the product lines (codes) it pays on."""

    name: str
    description: str
    semantics: Semantics
    window: ObjectivePeriod
    rates: tuple[str, str]
    lines: tuple[str, ...]
    revised: tuple[str, str, str] | None = None  # (tier 1, tier 2, reason)
    basis: CommissionBasis = CommissionBasis.BOOKED


PLANS: dict[str, tuple[PlanSpec, ...]] = {
    "acme": (
        PlanSpec(
            "Software – monthly",
            "New software business, paid on the month's bookings.",
            Semantics.MARGINAL,
            ObjectivePeriod.MONTH,
            ("4", "7"),
            ("analytics", "integration"),
            revised=("4", "8", "Tier 2 raised from 7 % to 8 % for the new fiscal year."),
        ),
        PlanSpec(
            "Platform – quarterly accelerator",
            "Large platform deals: the whole quarter earns tier 2 once the quarter's objective is met.",
            Semantics.RETROACTIVE,
            ObjectivePeriod.QUARTER,
            ("3", "6"),
            ("platform",),
        ),
        PlanSpec(
            "Governance – annual",
            "Governance and security, measured against the fiscal year to date.",
            Semantics.MARGINAL,
            ObjectivePeriod.YEAR_TO_DATE,
            ("5", "9"),
            ("governance",),
        ),
        PlanSpec(
            "Services – monthly true-up, paid on cash",
            "Professional services: a sale counts as its invoice is paid, pro rata to the cash received; "
            "the month earns tier 2 from its first sale once the objective is met.",
            Semantics.RETROACTIVE,
            ObjectivePeriod.MONTH,
            ("2", "4"),
            ("services",),
            basis=CommissionBasis.PAID,
        ),
    ),
    "globex": (
        PlanSpec(
            "Infrastructure – quarterly accelerator",
            "Cloud and storage: the whole quarter earns tier 2 once the quarter's objective is met.",
            Semantics.RETROACTIVE,
            ObjectivePeriod.QUARTER,
            ("3", "5"),
            ("cloud", "storage"),
        ),
        PlanSpec(
            "Networking – monthly",
            "Networking, paid on the month's bookings above and below the objective.",
            Semantics.MARGINAL,
            ObjectivePeriod.MONTH,
            ("4", "7"),
            ("network",),
            revised=("4.5", "7", "Tier 1 raised from 4 % to 4.5 % for the new fiscal year."),
        ),
        PlanSpec(
            "Observability – annual",
            "Observability, measured against the fiscal year to date.",
            Semantics.MARGINAL,
            ObjectivePeriod.YEAR_TO_DATE,
            ("5", "8"),
            ("observability",),
        ),
        PlanSpec(
            "Managed services – monthly true-up, paid on cash",
            "Managed services: a sale counts as its invoice is paid, pro rata to the cash received; "
            "the month earns tier 2 from its first sale once the objective is met.",
            Semantics.RETROACTIVE,
            ObjectivePeriod.MONTH,
            ("2.5", "4"),
            ("services",),
            basis=CommissionBasis.PAID,
        ),
    ),
}


@dataclass(frozen=True)
class RepNames:
    """How the sources name one rep: e-mail, full name, "Last, First", the ERP's number.

    Two reps with the same first and last name are told apart by their login in the names
    the sources write ("Ava Chen (rep12)"), which the alias table resolves.
    """

    user_id: int
    number: int
    team: str
    manager_user_id: int | None
    email: str
    full_name: str
    last_first: str
    erp_code: str
    ambiguous: bool


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def history_months(ctx: SeedContext) -> list[dt.date]:
    """First days of the months with sales and statements, oldest first; the last is the current one."""
    current = ctx.today.replace(day=1)
    return [add_months(current, offset) for offset in range(1 - HISTORY_MONTHS, 1)]


def book_start(ctx: SeedContext) -> dt.date:
    """The first day of the previous fiscal year: plans, assignments and objectives start there."""
    current = fiscal_year_start(ctx.today, ctx.organization.fiscal_year_start_month)
    return current.replace(year=current.year - 1)


def rep_names(ctx: SeedContext) -> dict[int, RepNames]:
    """The organization's reps by user id, with the names the demo's sources write."""
    reps = list(
        Membership.objects.filter(organization=ctx.organization, role=Role.REP)
        .select_related("user", "manager")
        .order_by("pk")
    )
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for member in reps:
        pairs[(member.user.first_name.lower(), member.user.last_name.lower())] += 1
    names = {}
    for index, member in enumerate(reps, start=1):
        user = member.user
        local = user.email.split("@", 1)[0]
        digits = re.sub(r"\D", "", local)
        ambiguous = pairs[(user.first_name.lower(), user.last_name.lower())] > 1
        suffix = f" ({local})" if ambiguous else ""
        names[user.pk] = RepNames(
            user_id=user.pk,
            number=int(digits) if digits else index,
            team=member.team,
            manager_user_id=member.manager.user_id if member.manager_id else None,
            email=user.email,
            full_name=f"{user.first_name} {user.last_name}{suffix}",
            last_first=f"{user.last_name}, {user.first_name}{suffix}",
            erp_code=ERP_CODE.format(number=int(digits) if digits else index),
            ambiguous=ambiguous,
        )
    return names


def service_name(product_name: str, line_code: str) -> str:
    """What the accounting system calls a product: services delivered, or a subscription."""
    return f"SVC {product_name}" if line_code == "services" else f"SUB {product_name}"


def _plans(ctx: SeedContext, start: dt.date) -> tuple[dict[str, CommissionPlan], CommissionPlan]:
    """The organization's plans with their versions: by product line code, and the first plan
    (for a line no plan names)."""
    org = ctx.organization
    specs = PLANS.get(ctx.spec.slug, PLANS["acme"])
    current_year = fiscal_year_start(ctx.today, org.fiscal_year_start_month)
    admin = ctx.members(Role.ADMIN)[0].user
    by_line: dict[str, CommissionPlan] = {}
    plans = []
    versions = []
    for spec in specs:
        plan = CommissionPlan.objects.create(organization=org, name=spec.name, description=spec.description)
        plans.append(plan)
        terms = [(start, spec.rates, "")]
        if spec.revised is not None:
            terms.append((current_year, spec.revised[:2], spec.revised[2]))
        for number, (effective_from, (tier1, tier2), reason) in enumerate(terms, start=1):
            versions.append(
                CommissionPlanVersion(
                    organization=org,
                    plan=plan,
                    version=number,
                    effective_from=effective_from,
                    tier1_rate=Decimal(tier1),
                    tier2_rate=Decimal(tier2),
                    semantics=spec.semantics,
                    objective_period=spec.window,
                    basis=spec.basis,
                    reason=reason,
                    created_by=admin,
                )
            )
        for code in spec.lines:
            by_line[code] = plan
    CommissionPlanVersion.objects.bulk_create(versions)
    return by_line, plans[0]


def _won(ctx: SeedContext, since: dt.date) -> dict[tuple[int, int, dt.date], Decimal]:
    """Won amounts by (rep, product line, close month) of the deals closed since `since`."""
    won: dict[tuple[int, int, dt.date], Decimal] = defaultdict(Decimal)
    deals = Opportunity.objects.filter(
        organization=ctx.organization,
        stage=Stage.CLOSED_WON,
        close_date__gte=since,
        close_date__lte=ctx.today,
    )
    for owner_id, line_id, close_date, amount in deals.values_list(
        "owner_id", "product_line_id", "close_date", "amount"
    ):
        won[(owner_id, line_id, close_date.replace(day=1))] += amount
    return won


def _yearly_objectives(
    ctx: SeedContext, assigned: list[tuple[int, int]], sold: dict[tuple[int, int], Decimal]
) -> dict[tuple[int, int], float]:
    """Each (rep, line)'s objective for a year: the rep's sales of the year before, grown, split
    over their lines by what they sold in each, smoothed toward the organization's mix (one
    big deal last year does not make a line's whole target)."""
    lines_of: dict[int, list[int]] = defaultdict(list)
    for rep_id, line_id in assigned:
        lines_of[rep_id].append(line_id)
    line_totals: dict[int, Decimal] = defaultdict(Decimal)
    rep_totals: dict[int, Decimal] = defaultdict(Decimal)
    for (rep_id, line_id), amount in sold.items():
        line_totals[line_id] += amount
        rep_totals[rep_id] += amount
    selling = sorted(total for total in rep_totals.values() if total > 0) or [Decimal(DEFAULT_REP_YEAR)]
    ramping = float(selling[len(selling) // 2]) * RAMPING_SHARE  # a rep who sold nothing last year
    yearly = {}
    for rep_id, lines in sorted(lines_of.items()):
        total = float(rep_totals.get(rep_id, 0)) or ramping
        mix = {line: float(line_totals.get(line, 0)) + 1.0 for line in lines}
        weights = {
            line: float(sold.get((rep_id, line), 0)) / total + MIX_SMOOTHING * mix[line] / sum(mix.values())
            for line in lines
        }
        grown = total * ctx.rng.uniform(*OBJECTIVE_GROWTH)
        for line in lines:
            yearly[(rep_id, line)] = grown * weights[line] / sum(weights.values())
    return yearly


def _objectives(
    ctx: SeedContext,
    assigned: list[tuple[int, int]],
    won: dict[tuple[int, int, dt.date], Decimal],
    start: dt.date,
) -> list[BusinessObjective]:
    """Monthly objectives of the previous and current fiscal years for each (rep, line)."""
    rows = []
    for year_start in (start, start.replace(year=start.year + 1)):
        year_before = year_start.replace(year=year_start.year - 1)
        sold: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for (rep_id, line_id, month), amount in won.items():
            if year_before <= month < year_start:
                sold[(rep_id, line_id)] += amount
        for (rep_id, line_id), yearly in sorted(_yearly_objectives(ctx, assigned, sold).items()):
            for offset in range(12):
                weight = QUARTER_WEIGHTS[offset % 3] / 4
                rows.append(
                    BusinessObjective(
                        organization=ctx.organization,
                        rep_id=rep_id,
                        product_line_id=line_id,
                        month=add_months(year_start, offset),
                        amount=Decimal(max(1, round(yearly * weight / 100)) * 100),
                    )
                )
    return rows


def _aliases(ctx: SeedContext, names: dict[int, RepNames]) -> list[RepAlias]:
    rows = []
    for rep in names.values():
        aliases = [rep.erp_code] + ([rep.full_name, rep.last_first] if rep.ambiguous else [])
        rows += [
            RepAlias(organization=ctx.organization, alias=alias, rep_id=rep.user_id) for alias in aliases
        ]
    return rows


def _territories(ctx: SeedContext, names: dict[int, RepNames]) -> list[Territory]:
    """A few ZIP codes per rep (every product line)."""
    codes = ctx.rng.sample(range(1000, 99_999), k=ZIPS_PER_REP * len(names))
    rows = []
    for position, rep in enumerate(names.values()):
        for code in sorted(codes[position * ZIPS_PER_REP : (position + 1) * ZIPS_PER_REP]):
            rows.append(Territory(organization=ctx.organization, code=f"{code:05d}", rep_id=rep.user_id))
    return rows


def _services(ctx: SeedContext) -> list[ServiceMapping]:
    products = Product.objects.filter(organization=ctx.organization).order_by("sku")
    return [
        ServiceMapping(
            organization=ctx.organization,
            service=service_name(name, line_code),
            product_line_id=line_id,
            product_id=product_id,
        )
        for product_id, name, line_id, line_code in products.values_list(
            "pk", "name", "product_line_id", "product_line__code"
        )
    ]


def seed_commission_book(ctx: SeedContext) -> dict[str, int]:
    """Plans, assignments of every rep to the lines they sell, two fiscal years of objectives,
    rep aliases, territories and the accounting system's service names."""
    org = ctx.organization
    start = book_start(ctx)
    plans, first_plan = _plans(ctx, start)
    codes = dict(ProductLine.objects.filter(organization=org).values_list("pk", "code"))
    won = _won(ctx, start.replace(year=start.year - 1))
    names = rep_names(ctx)
    assigned = sorted({(rep_id, line_id) for rep_id, line_id, _month in won if rep_id in names})
    PlanAssignment.objects.bulk_create(
        PlanAssignment(
            organization=org,
            rep_id=rep_id,
            product_line_id=line_id,
            plan=plans.get(codes[line_id], first_plan),
            start=start,
        )
        for rep_id, line_id in assigned
    )
    objectives = _objectives(ctx, assigned, won, start)
    BusinessObjective.objects.bulk_create(objectives, batch_size=BATCH_SIZE)
    aliases = _aliases(ctx, names)
    RepAlias.objects.bulk_create(aliases)
    territories = _territories(ctx, names)
    Territory.objects.bulk_create(territories)
    services = _services(ctx)
    ServiceMapping.objects.bulk_create(services)
    return {
        "commission_plans": CommissionPlan.objects.filter(organization=org).count(),
        "plan_assignments": len(assigned),
        "objectives": len(objectives),
        "rep_aliases": len(aliases),
        "territories": len(territories),
        "service_mappings": len(services),
    }
