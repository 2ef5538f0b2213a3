"""Demo opportunities and their stage histories, written in batches."""

from __future__ import annotations

from collections import defaultdict

from revops.demo.context import SeedContext
from revops.demo.deals import pick_created_date, plan_deal
from revops.demo.specs import LEAD_SOURCES
from revops.models import Account, Opportunity, OpportunityStageChange, ProductLine

OPPORTUNITY_ID_PREFIX = "DEMO-OPP-"
# Large enough that per-statement overhead vanishes, small enough to keep memory flat at
# 100k+ deals; Django splits each bulk insert further to the database's parameter limit.
BATCH_SIZE = 2000
DEAL_KINDS = (("New business", 0.6), ("Expansion", 0.3), ("Renewal", 0.1))
ACCOUNT_OWNER_SHARE = 0.85  # the rest are sold by another rep of the same region


def _write(ctx: SeedContext, opportunities: list[Opportunity], plans: list) -> int:
    Opportunity.objects.bulk_create(opportunities)
    changes = []
    for opportunity, plan in zip(opportunities, plans, strict=True):
        for from_stage, to_stage, day, amount in plan.history:
            changed_at = ctx.at(day, ctx.rng.randint(8, 17), ctx.rng.randint(0, 59))
            changes.append(
                OpportunityStageChange(
                    organization=ctx.organization,
                    opportunity=opportunity,
                    from_stage=from_stage,
                    to_stage=to_stage,
                    amount=amount,
                    changed_at=changed_at,
                    changed_by_id=opportunity.owner_id,
                    created_at=changed_at,
                )
            )
    OpportunityStageChange.objects.bulk_create(changes)
    return len(changes)


def opportunities_generate(ctx: SeedContext, *, start: int, count: int) -> tuple[int, int]:
    """Create opportunities numbered start+1..start+count over the accounts; (deals, stage changes)."""
    org, spec, rng = ctx.organization, ctx.spec, ctx.rng
    accounts = list(
        Account.objects.filter(organization=org)
        .order_by("external_id", "pk")
        .values_list("pk", "name", "segment", "region", "owner_id")
    )
    lines = {line.code: line for line in ProductLine.objects.filter(organization=org)}
    line_specs = [(lines[s.code], s) for s in spec.product_lines]
    reps_by_region = defaultdict(list)
    for rep in ctx.reps():
        reps_by_region[next(t.region for t in spec.teams if t.name == rep.team)].append(rep.user_id)
    sources, source_weights = zip(*LEAD_SOURCES.items(), strict=True)
    kinds = [kind for kind, _ in DEAL_KINDS]
    kind_weights = [weight for _, weight in DEAL_KINDS]

    opportunities, plans, changes = [], [], 0
    for index in range(start + 1, start + count + 1):
        account_id, account_name, segment, region, account_owner = rng.choice(accounts)
        line, line_spec = rng.choice(line_specs)
        lead_source = rng.choices(sources, weights=source_weights)[0]
        owner = account_owner
        if owner is None or rng.random() > ACCOUNT_OWNER_SHARE:
            owner = rng.choice(reps_by_region.get(region) or [r.user_id for r in ctx.reps()])
        created = pick_created_date(rng, today=ctx.today, history_days=spec.history_days)
        plan = plan_deal(
            rng,
            segment=segment,
            line=line_spec,
            lead_source=lead_source,
            created=created,
            today=ctx.today,
            fiscal_year_start_month=ctx.organization.fiscal_year_start_month,
        )
        kind = rng.choices(kinds, weights=kind_weights)[0]
        opportunities.append(
            Opportunity(
                organization=org,
                account_id=account_id,
                owner_id=owner,
                name=f"{account_name} – {line.name} {kind.lower()}",
                stage=plan.stage,
                amount=plan.amount,
                currency=org.currency,
                created_date=plan.created_date,
                expected_close_date=plan.expected_close_date,
                close_date=plan.close_date,
                product_line=line,
                lead_source=lead_source,
                external_id=f"{OPPORTUNITY_ID_PREFIX}{index:07d}",
                created_at=ctx.at(plan.created_date, 9),
            )
        )
        plans.append(plan)
        if len(opportunities) >= BATCH_SIZE:
            changes += _write(ctx, opportunities, plans)
            opportunities, plans = [], []
    if opportunities:
        changes += _write(ctx, opportunities, plans)
    return count, changes


def seed_opportunities(ctx: SeedContext) -> dict[str, int]:
    """About 4,000 deals (times the scale) over the last three years, with stage histories."""
    deals, changes = opportunities_generate(ctx, start=0, count=ctx.scaled(ctx.spec.opportunities))
    return {"opportunities": deals, "stage_changes": changes}
