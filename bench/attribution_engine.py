"""Time the partner-attribution split engine alone (no database).

Run: .venv/bin/python bench/attribution_engine.py [--deals 100000] [--baseline 10000]

Builds a seeded synthetic book (1-4 partners per deal, one account link per 10 deals, 20
rules), then prints wall time, links per second and peak traced memory for a baseline and the
full size in the same process, and their time ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from attribution.engine import (
    AccountFacts,
    ActionKind,
    Conditions,
    DealFacts,
    EngineSettings,
    LinkFacts,
    Role,
    RuleSpec,
    Scope,
    SiMode,
    compute_splits,
)

STAGES = ["prospecting", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"]
SEGMENTS = ["smb", "mid_market", "enterprise"]
REGIONS = ["na", "emea", "apac", "latam"]
TIERS = ["registered", "silver", "gold", "platinum"]
ROLES = list(Role)
PRODUCT_LINES = ["analytics", "platform", "services"]


def make_rules(rng: random.Random) -> list[RuleSpec]:
    rules = []
    for i in range(20):
        action = rng.choice(list(ActionKind))
        conditions = Conditions(
            roles=frozenset(rng.sample([r.value for r in ROLES], rng.randint(0, 2))),
            stages=frozenset(rng.sample(STAGES, rng.randint(0, 2))),
            segments=frozenset(rng.sample(SEGMENTS, rng.randint(0, 1))),
            min_amount=Decimal(rng.choice([5000, 10000, 50000])) if rng.random() < 0.4 else None,
            max_amount=Decimal(rng.choice([100000, 250000])) if rng.random() < 0.3 else None,
        )
        percent = Decimal(rng.randint(5, 40)) if action in (ActionKind.SET_SPLIT, ActionKind.CAP) else None
        scope = Scope.ACCOUNT if i % 5 == 0 else Scope.OPPORTUNITY
        rules.append(
            RuleSpec(i + 1, 1, f"Rule {i + 1}", scope, rng.randint(1, 10), conditions, action, percent)
        )
    return rules


def make_book(n_deals: int, seed: int = 7):
    rng = random.Random(seed)
    n_accounts = max(1, n_deals // 10)
    accounts = [AccountFacts(a, rng.choice(SEGMENTS), rng.choice(REGIONS)) for a in range(n_accounts)]
    deals, links = [], []
    for d in range(n_deals):
        account = d % n_accounts
        amount = Decimal(rng.randint(100_000, 50_000_000)).scaleb(-2)
        deals.append(DealFacts(d, account, rng.choice(STAGES), amount, rng.choice(PRODUCT_LINES)))
        for p in rng.sample(range(200), rng.randint(1, 4)):
            manual = Decimal(rng.randint(1, 30)) if rng.random() < 0.1 else None
            role = rng.choice(ROLES)
            links.append(
                LinkFacts(Scope.OPPORTUNITY, d, p, role, frozenset({role.value}), rng.choice(TIERS), manual)
            )
    for a in range(n_accounts):
        role = rng.choice(ROLES)
        links.append(LinkFacts(Scope.ACCOUNT, a, rng.randrange(200), role, frozenset({role.value})))
    return deals, accounts, links


SETTINGS = EngineSettings(
    enforce_account_cap=True,
    si_mode=SiMode.LIVE_SHARE,
    default_percent_by_role={"referral": Decimal("10"), "influence": Decimal("5"), "isv": Decimal("15")},
)


def run(n_deals: int, rules: list[RuleSpec]) -> tuple[float, float, int, int]:
    """Wall and CPU seconds of one untraced run, link count, and peak memory of a traced run."""
    deals, accounts, links = make_book(n_deals)
    wall, cpu = time.perf_counter(), time.process_time()
    results = compute_splits(deals, accounts, links, rules, SETTINGS)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert len(results) == len(links)
    del results
    # tracemalloc slows allocation several times over, so memory is measured in its own run.
    tracemalloc.start()
    compute_splits(deals, accounts, links, rules, SETTINGS)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return wall, cpu, len(links), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    args = parser.parse_args()
    rules = make_rules(random.Random(11))
    figures = {}
    for label, size in (("baseline", args.baseline), ("full", args.deals)):
        wall, cpu, n_links, peak = run(size, rules)
        figures[label] = wall
        print(
            f"{label}: {size} deals, {n_links} links, {len(rules)} rules: {wall:.2f} s wall, "
            f"{cpu:.2f} s CPU, {n_links / wall:,.0f} links/s, peak {peak / 1e6:.1f} MB (tracemalloc)"
        )
    ratio = figures["full"] / figures["baseline"]
    print(f"ratio full/baseline: {ratio:.1f}x wall time for {args.deals / args.baseline:.0f}x the deals")


if __name__ == "__main__":
    main()
