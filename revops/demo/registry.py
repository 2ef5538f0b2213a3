"""Demo seeding steps, ordered by the phase they belong to and what they require; the runner.

Apps add steps from their own `demo.py` module (found by autodiscovery):

    register_step("partner_links", seed_partner_links, phase=Phase.OPEN_BOOKS, requires=("periods",))

A step names its phase, the state of the demo books it needs (see `Phase`), and the steps whose
rows it reads. Steps run phase by phase; inside a phase, each runs after what it requires and
otherwise in registration order, so the order is the same on every run and no app needs to
know where another app's steps sit. Each step runs once per organization: its completion is
recorded as a JobRun keyed by the step name, so running the command again adds nothing, and a
step added later runs on an existing demo database without repeating the others.

Apps that post into a ledger add a month-end task too:

    register_month_end("commission_statements", post_commission_month)

The core "close_periods" step walks the months to close, oldest first, and runs every
month-end task for a month just before closing it, as finance would: each ledger's postings
of that month land before its seal, so seals of successive months hold successive chain heads.

Apps also add their own demo vocabulary: see `revops.demo.vocabulary`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from revops.demo.context import SeedContext
from revops.demo.specs import DEMO_ORGS, OrgSpec
from revops.models import FiscalPeriod, JobRun, Organization

JOB_KIND = "demo.seed"
StepFunc = Callable[[SeedContext], dict[str, int]]
MonthEndFunc = Callable[[SeedContext, FiscalPeriod], dict[str, int]]


class Phase(IntEnum):
    """Where a step runs in the life of the demo books; steps run phase by phase."""

    # People, partners, catalog, accounts: what everything else refers to.
    SETUP = 10
    # Deals and their stage history.
    PIPELINE = 20
    # Fiscal periods exist and every month is open: history posted here lands in its own month.
    OPEN_BOOKS = 30
    # The older months are closed through the period-close service (each close seals ledgers).
    CLOSING = 40
    # After the close: corrections land in the first open period, as they would in real life.
    CLOSED_BOOKS = 50


@dataclass(frozen=True)
class DemoStep:
    """One seeding step: a name (unique, also its idempotency key) and a function of the context.

    The function writes its rows and returns counts of what it created. `requires` names the
    steps whose rows it reads: they run before it, in its phase or an earlier one.
    """

    name: str
    func: StepFunc
    phase: Phase
    requires: tuple[str, ...] = ()


@dataclass
class OrgSeedResult:
    slug: str
    organization_created: bool
    steps_run: list[str] = field(default_factory=list)
    steps_skipped: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


_steps: dict[str, DemoStep] = {}
_month_ends: dict[str, MonthEndFunc] = {}


def register_step(name: str, func: StepFunc, *, phase: Phase, requires: Iterable[str] = ()) -> None:
    """Add a step (or replace the one with the same name, keeping its place among equals)."""
    _steps[name] = DemoStep(name, func, Phase(phase), tuple(requires))


def register_month_end(name: str, func: MonthEndFunc) -> None:
    """Run `func(ctx, period)` for each month the demo closes, just before closing it.

    It posts what belongs to that month (e.g. the month's revenue into a ledger) and returns
    counts, added to the "close_periods" step's counts. Registering a name again replaces it.
    """
    _month_ends[name] = func


def month_end_tasks() -> list[tuple[str, MonthEndFunc]]:
    """The registered month-end tasks in registration order, including other apps' ones."""
    autodiscover_modules("demo")
    return list(_month_ends.items())


def _ordered(steps: list[DemoStep]) -> list[DemoStep]:
    """Phase by phase; inside a phase, required steps first, else registration order."""
    by_name = {step.name: step for step in steps}
    for step in steps:
        for required in step.requires:
            if required not in by_name:
                raise ValueError(f"Demo step {step.name!r} requires {required!r}, which is not registered.")
            if by_name[required].phase > step.phase:
                raise ValueError(
                    f"Demo step {step.name!r} ({step.phase.name}) requires {required!r}, "
                    f"which runs later ({by_name[required].phase.name})."
                )
    ordered: list[DemoStep] = []
    done: set[str] = set()
    for phase in sorted({step.phase for step in steps}):
        pending = [step for step in steps if step.phase == phase]
        while pending:
            ready = next((s for s in pending if done.issuperset(s.requires)), None)
            if ready is None:
                cycle = ", ".join(s.name for s in pending)
                raise ValueError(f"Demo steps require each other in a cycle: {cycle}.")
            pending.remove(ready)
            ordered.append(ready)
            done.add(ready.name)
    return ordered


def demo_steps() -> list[DemoStep]:
    """The steps in run order, including those other apps register in their `demo` modules."""
    autodiscover_modules("demo")
    return _ordered(list(_steps.values()))


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
