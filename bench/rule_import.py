"""Time a rule-set import (the API's, the page's) as the file grows: is the cost linear?

Run:

    .venv/bin/python bench/rule_import.py [--sizes 100,200,400,800] [--sqlite-path var/bench/rules.sqlite3]

Migrates a scratch SQLite file, creates an organization and an admin, then for each size times
`rule_set_import` of that many new rules as a dry run (every write happens, then rolls back,
so each size starts from the same empty rule set) and, once, as a re-import over an
existing set of the largest size (every rule compared, none changed). Prints seconds,
milliseconds per rule, and the ratio of each size's time to the previous one's: about 2 when
doubling the file doubles the cost (linear), about 4 when it quadruples it (quadratic).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.test")


def _rules(n: int):
    from attribution.rule_schema import RuleDefinition

    roles = ["si", "influence", "referral", "isv"]
    return [
        RuleDefinition.model_validate(
            {
                "name": f"Rule {i:05d}",
                "priority": 100 + i % 50,
                "conditions": {"roles": [roles[i % 4]], "min_amount": str(i * 10)},
                "action": {"kind": "cap", "percent": str(10 + i % 80)}
                if i % 3 == 0
                else {"kind": "allow" if i % 2 else "deny"},
            }
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,200,400,800")
    parser.add_argument("--sqlite-path", default="var/bench/rules.sqlite3")
    args = parser.parse_args()
    path = ROOT / args.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    os.environ["TEST_SQLITE_PATH"] = str(path)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from attribution.services.rules import rule_set_import
    from revops.models import Membership, Organization, Role, User

    org = Organization.objects.create(name="Bench", slug="bench")
    user = User.objects.create_user(email="admin@bench.example", password="x")
    Membership.objects.create(organization=org, user=user, role=Role.ADMIN)

    sizes = [int(s) for s in args.sizes.split(",")]
    previous = None
    print(f"{'rules':>6} {'seconds':>9} {'ms/rule':>8} {'ratio':>6}")
    for n in sizes:
        rules = _rules(n)
        start = time.perf_counter()
        rule_set_import(organization=org, actor=user, rules=rules, reason="bench", dry_run=True)
        seconds = time.perf_counter() - start
        ratio = f"{seconds / previous:6.2f}" if previous else "     -"
        print(f"{n:>6} {seconds:>9.2f} {seconds / n * 1000:>8.2f} {ratio}")
        previous = seconds
    rules = _rules(sizes[-1])
    rule_set_import(organization=org, actor=user, rules=rules, reason="bench")
    start = time.perf_counter()
    result = rule_set_import(organization=org, actor=user, rules=rules, reason="bench again")
    seconds = time.perf_counter() - start
    print(f"re-import of {sizes[-1]} unchanged rules: {seconds:.2f} s ({len(result.unchanged)} unchanged)")


if __name__ == "__main__":
    main()
