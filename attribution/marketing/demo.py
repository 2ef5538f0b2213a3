"""Demo marketing data: channels with campaigns and monthly spend, touch journeys before every
deal created in the last year (and touches on accounts that did not convert), and one
finished run per model so every page has something to show.

Step (found by revops.demo's autodiscovery): `marketing_journeys` (PIPELINE, after the deals).
Journeys have a realistic mix: paid search and organic lead, events and webinars come late and
are more frequent on deals that were won, direct visits sit at the end. Beside the accounts'
journeys, most touches come from prospects the CRM has no account for (web visitors who filled
in a form): contact-level journeys of top-of-funnel channels that mostly end without a deal, as
in any real funnel, read by the contact-level configuration. Sizes follow the seed scale; at
scale 1.0 about 100,000 touches per organization, 200,000 for the two.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from attribution.marketing.models import (
    Campaign,
    CampaignSpend,
    Channel,
    JourneyLevel,
    Touchpoint,
    TouchSource,
)
from attribution.marketing.services.configs import model_config_save
from attribution.marketing.services.runs import run_execute, run_prepare
from revops.bulk import bulk_insert
from revops.demo import Phase, register_step
from revops.demo.context import SeedContext
from revops.models import Account, Opportunity
from revops.models.crm import Stage

# name, grouping, direct, weight in an ordinary journey, extra weight on won deals, late (near the deal)
CHANNELS = (
    ("Paid search", "Paid", False, 18, 0, False),
    ("Organic search", "Owned", False, 16, 0, False),
    ("Paid social", "Paid", False, 10, 0, False),
    ("Display", "Paid", False, 7, -3, False),
    ("Email", "Owned", False, 14, 2, True),
    ("Webinar", "Offline", False, 6, 6, True),
    ("Events", "Offline", False, 4, 7, True),
    ("Content syndication", "Paid", False, 5, -2, False),
    ("Referral", "Earned", False, 4, 3, False),
    ("Review sites", "Earned", False, 4, 0, False),
    ("SDR outbound", "Sales", False, 6, 2, True),
    ("Direct", "Direct", True, 6, 0, True),
)
# Monthly spend per channel at scale 1.0 (owned and earned channels cost little).
SPEND = {
    "Paid search": 42000,
    "Paid social": 26000,
    "Display": 18000,
    "Email": 3000,
    "Webinar": 9000,
    "Events": 30000,
    "Content syndication": 12000,
    "SDR outbound": 35000,
    "Review sites": 4000,
}
RUN_MODELS = (
    "first",
    "last",
    "last_non_direct",
    "linear",
    "time_decay",
    "position",
    "w_shaped",
    "markov",
    "shapley",
)
LOOKBACK_DAYS = 90
# Prospects without an account at scale 1.0, and the channels that reach them (with weights).
PROSPECTS = 26_000
PROSPECT_CHANNELS = (
    ("Paid search", 24),
    ("Organic search", 22),
    ("Paid social", 16),
    ("Display", 10),
    ("Content syndication", 8),
    ("Review sites", 6),
    ("Email", 10),
    ("Webinar", 3),
    ("Direct", 5),
)
# Journey-level configurations seeded beside the account-level run of every model.
CONTACT_MODELS = ("linear", "markov")
# Bootstrap resamples of the demo runs: enough for visible error bars, cheap to seed.
DEMO_RESAMPLES = 40


def _channels(ctx: SeedContext) -> dict[str, Channel]:
    out = {}
    for name, grouping, direct, *_ in CHANNELS:
        out[name], _ = Channel.objects.get_or_create(
            organization=ctx.organization, name=name, defaults={"grouping": grouping, "is_direct": direct}
        )
    return out


def _campaigns(ctx: SeedContext, channels: dict[str, Channel]) -> dict[str, list[int]]:
    by_channel: dict[str, list[int]] = {}
    spend_rows = []
    first = (ctx.today.replace(day=1) - dt.timedelta(days=365)).replace(day=1)
    for name, monthly in SPEND.items():
        ids = []
        for label in ("Always on", "Launch"):
            camp = Campaign.objects.create(
                organization=ctx.organization, channel=channels[name], name=f"{name} — {label}"
            )
            ids.append(camp.pk)
            month = first
            while month <= ctx.today:
                share = 0.7 if label == "Always on" else 0.3
                amount = Decimal(round(monthly * share * ctx.scale * ctx.rng.uniform(0.8, 1.2), 2))
                spend_rows.append(
                    CampaignSpend(organization=ctx.organization, campaign=camp, month=month, amount=amount)
                )
                month = (month + dt.timedelta(days=32)).replace(day=1)
        by_channel[name] = ids
    CampaignSpend.objects.bulk_create(spend_rows)
    return by_channel


def _pick(ctx: SeedContext, won: bool, late: bool | None) -> str:
    names, weights = [], []
    for name, _g, _d, weight, won_extra, is_late in CHANNELS:
        if late is not None and is_late != late and name != "Email":
            continue
        names.append(name)
        weights.append(max(1, weight + (won_extra if won else 0)))
    return ctx.rng.choices(names, weights)[0]


def seed_marketing_journeys(ctx: SeedContext) -> dict[str, int]:
    org = ctx.organization
    rng = ctx.rng
    channels = _channels(ctx)
    campaigns = _campaigns(ctx, channels)
    since = ctx.today - dt.timedelta(days=365)
    deals = list(
        Opportunity.objects.filter(
            organization=org, created_date__gte=since, created_date__lte=ctx.today
        ).values_list("id", "account_id", "created_date", "stage")
    )
    rows: list[tuple] = []
    n = 0

    def touch(when: dt.datetime, channel: str, account_id: int, contact: str, opp_id: int | None) -> None:
        nonlocal n
        camp = campaigns.get(channel)
        rows.append(
            (
                org.pk,
                when,
                channels[channel].pk,
                rng.choice(camp) if camp else None,
                contact,
                account_id,
                opp_id,
                TouchSource.DEMO,
                f"demo-{n}",
            )
        )
        n += 1

    for opp_id, account_id, created, stage in deals:
        won = stage == Stage.CLOSED_WON
        contacts = [f"contact{i}@account{account_id}.example" for i in range(rng.randint(1, 4))]
        steps = max(1, min(12, int(rng.expovariate(1 / 3.5)) + 1))
        for i in range(steps):
            late = i >= steps - 2
            days_before = rng.uniform(0, 6) if late else rng.uniform(5, LOOKBACK_DAYS - 5)
            when = dt.datetime.combine(created, dt.time(9), tzinfo=dt.UTC) - dt.timedelta(days=days_before)
            channel = _pick(ctx, won, late) if i else _pick(ctx, won, False)
            touch(when, channel, account_id, rng.choice(contacts), opp_id if late else None)
    quiet = list(
        Account.objects.filter(organization=org)
        .exclude(id__in={d[1] for d in deals})
        .values_list("id", flat=True)
    )
    for account_id in quiet:
        for _ in range(rng.randint(1, 4)):
            when = dt.datetime.combine(ctx.today, dt.time(10), tzinfo=dt.UTC) - dt.timedelta(
                days=rng.uniform(1, 80)
            )
            touch(when, _pick(ctx, False, None), account_id, f"contact0@account{account_id}.example", None)
    names, weights = zip(*PROSPECT_CHANNELS, strict=True)
    for p in range(ctx.scaled(PROSPECTS)):
        contact = f"prospect{p}@{ctx.spec.slug}-visitors.example"
        last = rng.uniform(0, 360)
        for _ in range(max(1, min(15, int(rng.expovariate(1 / 3.0)) + 1))):
            when = dt.datetime.combine(ctx.today, dt.time(8), tzinfo=dt.UTC) - dt.timedelta(
                days=last + rng.uniform(0, 60), minutes=rng.randrange(600)
            )
            touch(when, rng.choices(names, weights)[0], None, contact, None)
    bulk_insert(
        Touchpoint,
        (
            "organization_id",
            "occurred_at",
            "channel_id",
            "campaign_id",
            "contact_key",
            "account_id",
            "opportunity_id",
            "source",
            "external_id",
        ),
        rows,
    )
    runs = 0
    plans = [(model, JourneyLevel.ACCOUNT) for model in RUN_MODELS]
    plans += [(model, JourneyLevel.CONTACT) for model in CONTACT_MODELS]
    for model, level in plans:
        params = {"order": 0, "max_order": 2} if model == "markov" else {}
        suffix = " (contacts)" if level == JourneyLevel.CONTACT else ""
        config = model_config_save(
            organization=org,
            actor=None,
            name=f"{model.replace('_', ' ').title()} — last 12 months{suffix}",
            model=model,
            journey_level=level,
            lookback_days=LOOKBACK_DAYS,
            params=params,
            bootstrap_resamples=DEMO_RESAMPLES,
        )
        run = run_prepare(
            organization=org, config=config, actor=None, window_start=since, window_end=ctx.today
        )
        run_execute(run_id=run.pk)
        runs += 1
    return {
        "touchpoints": len(rows),
        "campaigns": sum(len(v) for v in campaigns.values()),
        "attribution_runs": runs,
    }


def register_demo() -> None:
    register_step(
        "marketing_journeys", seed_marketing_journeys, phase=Phase.PIPELINE, requires=("opportunities",)
    )
