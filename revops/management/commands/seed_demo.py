"""manage.py seed_demo: load the deterministic demo organizations (idempotent)."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from revops.demo import demo_logins_text, seed_demo
from revops.demo.specs import DEMO_ORGS


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today must be YYYY-MM-DD, not {value!r}.") from exc


class Command(BaseCommand):
    help = "Load deterministic demo data for the demo organizations; running it again adds nothing."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Multiplies accounts and opportunities (default 1.0)."
        )
        parser.add_argument(
            "--today",
            type=str,
            default=None,
            help="Anchor date YYYY-MM-DD for all dates (default: today in each organization's time zone).",
        )
        parser.add_argument(
            "--org",
            action="append",
            choices=[spec.slug for spec in DEMO_ORGS],
            help="Seed only this organization (repeatable; default: all).",
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")

    def handle(self, *args, seed, scale, today, org, quiet, **options):
        if scale <= 0:
            raise CommandError("--scale must be positive.")
        anchor = _date(today) if today else None
        started = time.monotonic()
        results = seed_demo(seed=seed, scale=scale, today=anchor, only=org)
        if quiet:
            return
        for result in results:
            if not result.steps_run:
                self.stdout.write(f"{result.slug}: already seeded, nothing to add.")
                continue
            counts = ", ".join(f"{name} {value}" for name, value in result.counts.items())
            self.stdout.write(f"{result.slug}: ran {', '.join(result.steps_run)} — {counts}.")
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.\n")
        self.stdout.write(demo_logins_text())
