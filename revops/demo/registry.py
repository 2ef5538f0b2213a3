"""The ordered list of demo seeding steps, and the runner that applies them per organization.

Other apps add their own steps from a `demo.py` module (found by autodiscovery) with
`register_step("partner_links", seed_partner_links, after="opportunities")`. Each step runs
once per organization: its completion is recorded as a JobRun keyed by the step name, so
running the command again adds nothing, and a step added later runs on an existing demo
database without repeating the others. Steps that write ledger entries into past months
register after "periods" (which creates the months open) and so before "close_periods", which
closes the older months through the period-close service; steps registered without `after`
run after that close.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from revops.demo.context import SeedContext
from revops.demo.specs import DEMO_ORGS, OrgSpec
from revops.models import JobRun, Organization

JOB_KIND = "demo.seed"
StepFunc = Callable[[SeedContext], dict[str, int]]


@dataclass(frozen=True)
class DemoStep:
    """One seeding step: a name (unique, also its idempotency key) and a function of the context.

    The function writes its rows and returns counts of what it created.
    """

    name: str
    func: StepFunc


@dataclass
class OrgSeedResult:
    slug: str
    organization_created: bool
    steps_run: list[str] = field(default_factory=list)
    steps_skipped: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


_steps: list[DemoStep] = []


def register_step(name: str, func: StepFunc, *, after: str | None = None) -> None:
    """Add a step (or replace the one with the same name); by default it runs last."""
    existing = [i for i, s in enumerate(_steps) if s.name == name]
    if existing:
        _steps[existing[0]] = DemoStep(name, func)
        return
    if after is None:
        _steps.append(DemoStep(name, func))
        return
    index = next((i for i, s in enumerate(_steps) if s.name == after), None)
    if index is None:
        raise ValueError(f"No demo step named {after!r} to run after.")
    _steps.insert(index + 1, DemoStep(name, func))


def demo_steps() -> list[DemoStep]:
    """The steps in run order, including those other apps register in their `demo` modules."""
    autodiscover_modules("demo")
    return list(_steps)


@lru_cache(maxsize=1)
def demo_password_hash(password: str) -> str:
    # Hashing is deliberately slow; every demo user gets the same hash, computed once.
    return make_password(password)


def organization_today(organization: Organization) -> dt.date:
    """The current date in the organization's time zone."""
    return timezone.now().astimezone(ZoneInfo(organization.time_zone)).date()


def _organization_for(spec: OrgSpec) -> tuple[Organization, bool]:
    return Organization.objects.get_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name,
            "currency": spec.currency,
            "time_zone": spec.time_zone,
            "fiscal_year_start_month": spec.fiscal_year_start_month,
        },
    )


def _run_step(ctx: SeedContext, step: DemoStep, result: OrgSeedResult) -> None:
    key = f"demo-seed:{step.name}"
    with transaction.atomic():
        if JobRun.objects.filter(organization=ctx.organization, idempotency_key=key).exists():
            result.steps_skipped.append(step.name)
            return
        started_at = timezone.now()
        ctx.rng = ctx.rng_for(step.name)
        counts = step.func(ctx) or {}
        JobRun.objects.create(
            organization=ctx.organization,
            kind=JOB_KIND,
            idempotency_key=key,
            status=JobRun.Status.SUCCEEDED,
            progress=100,
            params={"seed": ctx.seed, "scale": ctx.scale, "today": ctx.today.isoformat()},
            counts=counts,
            started_at=started_at,
            finished_at=timezone.now(),
        )
    result.steps_run.append(step.name)
    for name, value in counts.items():
        result.counts[name] = result.counts.get(name, 0) + value


def seed_demo(
    *,
    seed: int = 42,
    scale: float = 1.0,
    today: dt.date | None = None,
    only: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[OrgSeedResult]:
    """Seed the demo organizations; deterministic for a given (seed, scale, today), idempotent.

    `today` anchors every date; without it each organization uses its own current date.
    """
    if scale <= 0:
        raise ValueError("The scale must be positive.")
    wanted = set(only) if only is not None else None
    steps = demo_steps()
    password_hash = demo_password_hash(settings.REVOPS_DEMO_PASSWORD)
    results = []
    for spec in DEMO_ORGS:
        if wanted is not None and spec.slug not in wanted:
            continue
        organization, created = _organization_for(spec)
        ctx = SeedContext(
            organization=organization,
            spec=spec,
            seed=seed,
            scale=scale,
            today=today or organization_today(organization),
            password_hash=password_hash,
        )
        result = OrgSeedResult(slug=spec.slug, organization_created=created)
        for step in steps:
            if progress is not None:
                progress(f"{spec.slug}: {step.name}")
            _run_step(ctx, step, result)
        results.append(result)
    return results
