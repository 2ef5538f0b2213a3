"""Demo distribution: campaigns, salesperson profiles, a few thousand leads, one configuration
per template, a dry run and an applied run.

Steps (found by revops.demo's autodiscovery), per organization:

- `distribution_setup` (SETUP, after people and accounts): three campaigns; one profile per rep
  (levels senior / mid / junior, targets and capacities, one rep out of office this week);
  `LEADS_PER_ORG` (2,000) × scale leads received over the last 45 days from the usual web sources, a
  third of them older and already worked (owned, some converted: the history the
  performance-weighted strategy learns from), some do-not-call, some of companies that are
  accounts (routed to the account owner by the advanced template);
- `distribution_runs` (SETUP, after the setup): the configurations `Daily basic`,
  `Daily advanced` and `Daily minimal` from the templates; a dry run of the advanced one and
  an applied run of the basic one, through the same services as the command.
"""

from __future__ import annotations

import datetime as dt

from distribution.engine import load_text, render_template
from distribution.models import Campaign, DistributionConfig, Lead, SalespersonProfile
from distribution.selectors.inputs import RunOptions, distribution_prepare
from distribution.services.configs import config_create
from distribution.services.runs import distribution_run
from revops.demo import Phase, SeedContext, register_step
from revops.models import Account

LEADS_PER_ORG = 2000
CAMPAIGNS = ("Spring webinar", "Product launch", "Partner referrals")
SOURCES = (
    "Google",
    "Organic Search",
    "Direct Traffic",
    "Referral Sites",
    "Olark Chat",
    "Facebook",
    "Welingak",
)
STATUSES = ("New", "New", "New", "Open", "Recycled", "Contacted")
TAGS = ("hot", "warm", "cold", "webinar", "spam")
SEGMENTS = ("Student", "Working Professional", "Unemployed", "Business")
FIRST = ("Ana", "Ben", "Chloé", "Dev", "Eva", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Mo", "Noa")
LAST = ("Silva", "Okafor", "Novak", "Tan", "Berg", "Haddad", "Kowalski", "Mori", "Reyes", "Ström")
LEVELS = ("senior", "mid", "junior")


def seed_distribution_setup(ctx: SeedContext) -> dict[str, int]:
    org, rng = ctx.organization, ctx.rng
    campaigns = [Campaign.objects.create(organization=org, name=name) for name in CAMPAIGNS]
    reps = ctx.reps()
    profiles = []
    for i, member in enumerate(reps):
        level = LEVELS[i % len(LEVELS)]
        away = []
        if i == 1:  # one rep is out of office this week
            away = [
                {
                    "start": (ctx.today - dt.timedelta(days=1)).isoformat(),
                    "end": (ctx.today + dt.timedelta(days=3)).isoformat(),
                }
            ]
        profiles.append(
            SalespersonProfile(
                organization=org,
                user=member.user,
                team=member.team,
                level=level,
                target_leads={"senior": 30, "mid": 20, "junior": 10}[level],
                capacity=rng.choice((80, 100, 120)),
                working_days=[1, 2, 3, 4, 5, 6, 7],
                out_of_office=away,
            )
        )
    SalespersonProfile.objects.bulk_create(profiles)
    accounts = list(Account.objects.filter(organization=org).values_list("name", "domain")[:40])
    leads = []
    count = ctx.scaled(LEADS_PER_ORG)
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        worked = rng.random() < 0.33
        company, domain = rng.choice(accounts) if accounts and rng.random() < 0.05 else ("", "")
        days_ago = rng.randint(1, 45) if not worked else rng.randint(20, 120)
        leads.append(
            Lead(
                organization=org,
                name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}{i}@{domain or 'mail.example'}",
                phone=f"+1 555 {rng.randint(1000, 9999)}" if rng.random() < 0.9 else "",
                company=company,
                web_source=rng.choice(SOURCES),
                campaign=rng.choice(campaigns),
                status="Converted" if worked and rng.random() < 0.3 else rng.choice(STATUSES),
                tags=rng.sample(TAGS, rng.randint(0, 2)),
                do_not_call=rng.random() < 0.04,
                priority=rng.randint(0, 3),
                score=round(rng.random() * 100, 1),
                segment=rng.choice(SEGMENTS),
                converted=worked and rng.random() < 0.35,
                owner=rng.choice(reps).user if worked and reps else None,
                received_at=ctx.at(ctx.today - dt.timedelta(days=days_ago), rng.randint(8, 18)),
                external_id=f"demo-{i}",
                external_source="demo",
            )
        )
    Lead.objects.bulk_create(leads, batch_size=2000)
    return {"campaigns": len(campaigns), "salesperson_profiles": len(profiles), "leads": len(leads)}


def seed_distribution_runs(ctx: SeedContext) -> dict[str, int]:
    org = ctx.organization
    configs = {}
    for template in ("basic", "advanced", "minimal"):
        text = render_template(template, campaign=CAMPAIGNS[0])
        configs[template] = config_create(
            organization=org, name=f"Daily {template}", document=text, active=template == "basic"
        )
    runs = 0
    for template, dry in (("advanced", True), ("basic", False)):
        config = DistributionConfig.objects.get(pk=configs[template].pk)
        prepared = distribution_prepare(
            org,
            load_text(config.document),
            state_json=config.state,
            options=RunOptions(dry_run=dry),
            today=ctx.today,
        )
        distribution_run(organization=org, prepared=prepared, config=config)
        runs += 1
    return {"distribution_configs": len(configs), "distribution_runs": runs}


register_step(
    "distribution_setup", seed_distribution_setup, phase=Phase.SETUP, requires=("people", "accounts")
)
register_step(
    "distribution_runs", seed_distribution_runs, phase=Phase.SETUP, requires=("distribution_setup",)
)
