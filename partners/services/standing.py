"""Writes of the partner program's standing: the recompute (tiers, health, alerts, digest),
decisions on pending downgrades, the lifecycle and its onboarding checklist, alert
acknowledgements.

`program_recompute` is what the scheduled and on-demand JobRun runs (kind `PROGRAM_KIND`): for
every partner of the organization, in a fixed number of set-based queries, it

1. computes the tier (`partners.engine.tier_for`) and writes a `PartnerTierChange` with the
   figures against the thresholds for each change — applied at once, or pending when it is a
   downgrade and `ProgramSettings.tier_downgrade_needs_approval` is set;
2. computes the health score and stores a snapshot per partner (history kept);
3. raises the alerts (each once: `PartnerAlert.key` is unique) and e-mails the new ones to the
   organization's managers and admins.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field, replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from partners import engine
from partners.models import (
    AlertKind,
    AlertStatus,
    DealRegistration,
    OnboardingCompletion,
    OnboardingStep,
    PartnerAlert,
    PartnerHealth,
    PartnerLifecycleChange,
    PartnerTierChange,
    ProgramSettings,
    ProgramTier,
    RegistrationStatus,
    TierChangeStatus,
)
from partners.permissions import PartnerCap
from partners.selectors.program import PROGRAM_KIND, ProgramFigures, program_figures, tier_specs
from partners.services.mail import mail_on_commit
from partners.services.program import program_settings_get
from revops.exceptions import ApplicationError
from revops.models import JobRun, Membership, Organization, Partner, Role
from revops.permissions import has_cap
from revops.selectors.periods import organization_today
from revops.services.audit import audit_record
from revops.services.jobs import job_enqueue

TIER_LABELS = dict(Partner.Tier.choices)
ALREADY_DECIDED = "Already decided."
REASON_REQUIRED = "Give a reason to reject a downgrade."
DIGEST_LINES = 50
# Keys looked up per query when deduplicating alerts (bounded IN lists).
KEY_CHUNK = 2000

# Allowed lifecycle moves; "active" is also reached when the last checklist step is ticked.
LIFECYCLE_MOVES: dict[str, frozenset[str]] = {
    Partner.Lifecycle.PROSPECT: frozenset({Partner.Lifecycle.ONBOARDING, Partner.Lifecycle.CHURNED}),
    Partner.Lifecycle.ONBOARDING: frozenset({Partner.Lifecycle.ACTIVE, Partner.Lifecycle.CHURNED}),
    Partner.Lifecycle.ACTIVE: frozenset({Partner.Lifecycle.CHURNED}),
    Partner.Lifecycle.CHURNED: frozenset({Partner.Lifecycle.ONBOARDING}),
}


def _require(membership: Membership, cap: PartnerCap) -> None:
    if not has_cap(membership, cap):
        raise PermissionDenied


# --- Recompute ------------------------------------------------------------------------------------


def _insert_many(model: type[models.Model], rows: list) -> None:
    """Insert `rows` (new, unsaved instances of `model`); on PostgreSQL with COPY.

    The recompute writes a row per partner (thousands): Django's bulk INSERT on PostgreSQL
    quotes every JSON value of its array parameters in Python, which took most of the run;
    COPY streams the same rows. The instances get no primary key back.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(rows, batch_size=1000)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)

    def value(field, obj):
        raw = field.pre_save(obj, True)
        return json.dumps(raw) if isinstance(field, models.JSONField) and raw is not None else raw

    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in rows:
            copy.write_row([value(f, obj) for f in fields])


@dataclass(frozen=True)
class TierOutcome:
    applied: int
    pending: int
    withdrawn: int
    unchanged: int
    moved: dict[int, int] = field(default_factory=dict)  # partner id → +1 up / −1 down, applied now

    def as_counts(self) -> dict[str, int]:
        return {
            "tiers applied": self.applied,
            "downgrades pending": self.pending,
            "pending withdrawn": self.withdrawn,
            "tiers unchanged": self.unchanged,
        }


def _reason(
    specs: list[engine.TierSpec], figures: engine.PartnerFigures, new: engine.TierSpec
) -> tuple[dict, str]:
    """The figures against the thresholds of the new tier and of the tier above it."""
    rows = engine.criteria(new, figures)
    parts = [f"Qualifies for {TIER_LABELS[new.tier]}"]
    if rows:
        parts[0] += ": " + "; ".join(f"{c.label} {c.actual} ≥ {c.required}" for c in rows)
    above = engine.next_tier(specs, new.tier)
    reason: dict = {"tier": new.tier, "criteria": [c.as_dict() for c in rows]}
    if above is not None:
        missing = [c for c in engine.criteria(above, figures) if not c.met]
        reason["next_tier"] = above.tier
        reason["next_missing"] = [c.as_dict() for c in missing]
        if missing:
            parts.append(
                f"short of {TIER_LABELS[above.tier]}: "
                + "; ".join(f"{c.label} {c.actual} < {c.required}" for c in missing)
            )
    return reason, ". ".join(parts) + "."


def tiers_recompute(
    *,
    organization: Organization,
    figures: ProgramFigures,
    specs: list[engine.TierSpec],
    settings: ProgramSettings,
    job_run: JobRun | None = None,
) -> TierOutcome:
    """Every partner's tier from `figures`; changes recorded with their reason (one transaction)."""
    if not specs:
        return TierOutcome(0, 0, 0, len(figures.partners))
    rank = {s.tier: s.rank for s in specs}
    pending = {
        c.partner_id: c
        for c in PartnerTierChange.objects.filter(organization=organization, status=TierChangeStatus.PENDING)
    }
    now = timezone.now()
    changed_partners: dict[str, list[int]] = {}  # new tier → partner ids
    new_changes: list[PartnerTierChange] = []
    updated_pending: list[PartnerTierChange] = []
    applied = waiting = withdrawn = unchanged = 0
    moved: dict[int, int] = {}
    for pk, (_name, current, _stage) in figures.partners.items():
        best = engine.tier_for(specs, figures.tiers[pk])
        assert best is not None  # specs is not empty
        open_change = pending.get(pk)
        if best.tier == current:
            unchanged += 1
            if open_change is not None:
                open_change.status = TierChangeStatus.REJECTED
                open_change.decided_at = now
                open_change.reason_text += " Withdrawn: the partner qualifies for its tier again."
                updated_pending.append(open_change)
                withdrawn += 1
            continue
        reason, text = _reason(specs, figures.tiers[pk], best)
        downgrade = rank.get(best.tier, -1) < rank.get(current, -1)
        if downgrade and settings.tier_downgrade_needs_approval:
            waiting += 1
            if open_change is not None:
                if open_change.to_tier != best.tier:
                    open_change.to_tier, open_change.reason, open_change.reason_text = best.tier, reason, text
                    updated_pending.append(open_change)
                continue
            status = TierChangeStatus.PENDING
        else:
            applied += 1
            status = TierChangeStatus.APPLIED
            changed_partners.setdefault(best.tier, []).append(pk)
            moved[pk] = -1 if downgrade else 1
            if open_change is not None:
                open_change.status = TierChangeStatus.REJECTED
                open_change.decided_at = now
                open_change.reason_text += " Superseded by a later computation."
                updated_pending.append(open_change)
        new_changes.append(
            PartnerTierChange(
                organization=organization,
                partner_id=pk,
                from_tier=current,
                to_tier=best.tier,
                is_downgrade=downgrade,
                status=status,
                reason=reason,
                reason_text=text,
                job_run=job_run,
                decided_at=now if status == TierChangeStatus.APPLIED else None,
            )
        )
    with transaction.atomic():
        if updated_pending:
            PartnerTierChange.objects.bulk_update(
                updated_pending, ["status", "decided_at", "reason_text", "to_tier", "reason"], batch_size=1000
            )
        # One UPDATE per tier reached (a handful), not one CASE per partner.
        for tier, ids in changed_partners.items():
            Partner.objects.filter(pk__in=ids).update(tier=tier)
        _insert_many(PartnerTierChange, new_changes)
    return TierOutcome(applied, waiting, withdrawn, unchanged, moved)


def health_recompute(
    *,
    organization: Organization,
    figures: ProgramFigures,
    settings: ProgramSettings,
    job_run: JobRun | None = None,
) -> dict[int, tuple[int | None, int]]:
    """A health snapshot per partner; returns partner id → (previous score, new score)."""
    previous = dict(
        PartnerHealth.objects.filter(organization=organization, is_latest=True).values_list(
            "partner_id", "score"
        )
    )
    snapshots = []
    for pk, inputs in figures.health.items():
        components = engine.health_components(
            inputs, today=figures.today, inactive_days=settings.inactive_alert_days
        )
        snapshots.append(
            PartnerHealth(
                organization=organization,
                partner_id=pk,
                score=engine.health_score(components),
                components=[c.as_dict() for c in components],
                is_latest=True,
                job_run=job_run,
            )
        )
    with transaction.atomic():
        PartnerHealth.objects.filter(organization=organization, is_latest=True).update(is_latest=False)
        _insert_many(PartnerHealth, snapshots)
    return {s.partner_id: (previous.get(s.partner_id), s.score) for s in snapshots}


def alerts_raise(
    *,
    organization: Organization,
    figures: ProgramFigures,
    scores: dict[int, tuple[int | None, int]],
    settings: ProgramSettings,
    now: dt.datetime | None = None,
) -> list[PartnerAlert]:
    """Raise what is new among the four alert kinds; an alert's key is raised once, ever."""
    now = now or timezone.now()
    today = figures.today
    names = {pk: row[0] for pk, row in figures.partners.items()}
    candidates: dict[str, tuple[int, str, str]] = {}  # key → (partner id, kind, message)

    for pk, (before, after) in scores.items():
        if before is not None and before - after >= settings.health_drop_alert_points:
            candidates[f"health_drop:{pk}:{today.isoformat()}"] = (
                pk,
                AlertKind.HEALTH_DROP,
                f"{names[pk]}: health dropped {before - after} points ({before} → {after}).",
            )
    for pk, (name, _tier, stage) in figures.partners.items():
        if stage != Partner.Lifecycle.ACTIVE:
            continue
        last = figures.health[pk].last_activity
        if last is None or (today - last).days >= settings.inactive_alert_days:
            since = last.isoformat() if last else "never"
            text = f"no activity since {since}" if last else "no activity yet"
            candidates[f"inactive:{pk}:{since}"] = (pk, AlertKind.INACTIVE, f"{name}: {text}.")
    expiring = DealRegistration.objects.filter(
        organization=organization,
        status=RegistrationStatus.APPROVED,
        protected_until__gte=today,
        protected_until__lte=today + dt.timedelta(days=settings.expiry_notice_days),
    ).values_list("pk", "partner_id", "account_name", "protected_until")
    for pk, partner_id, account, until in expiring:
        candidates[f"expiring:{pk}:{until}"] = (
            partner_id,
            AlertKind.REGISTRATION_EXPIRING,
            f"{names.get(partner_id, partner_id)}: registration {pk} ({account}) protected until {until}.",
        )
    overdue = DealRegistration.objects.filter(
        organization=organization, status=RegistrationStatus.SUBMITTED, step_due_at__lt=now
    ).values_list("pk", "partner_id", "account_name", "current_step")
    for pk, partner_id, account, step in overdue:
        candidates[f"sla:{pk}:{step}"] = (
            partner_id,
            AlertKind.SLA_BREACH,
            f"{names.get(partner_id, partner_id)}: registration {pk} ({account}) is past its approval SLA.",
        )
    if not candidates:
        return []
    with transaction.atomic():
        keys = list(candidates)
        existing: set[str] = set()
        for start in range(0, len(keys), KEY_CHUNK):
            existing.update(
                PartnerAlert.objects.filter(
                    organization=organization, key__in=keys[start : start + KEY_CHUNK]
                )
                .values_list("key", flat=True)
                .order_by()
            )
        new = [
            PartnerAlert(organization=organization, partner_id=pid, kind=kind, key=key, message=message[:300])
            for key, (pid, kind, message) in candidates.items()
            if key not in existing
        ]
        PartnerAlert.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return new


def alerts_digest(*, organization: Organization, alerts: list[PartnerAlert]) -> int:
    """E-mail the new alerts to the organization's active managers and admins (after commit)."""
    if not alerts:
        return 0
    recipients = list(
        Membership.objects.filter(
            organization=organization, is_active=True, role__in=(Role.MANAGER, Role.ADMIN)
        ).values_list("user__email", flat=True)
    )
    lines = [f"- {a.get_kind_display()}: {a.message}" for a in alerts[:DIGEST_LINES]]
    if len(alerts) > DIGEST_LINES:
        lines.append(f"… and {len(alerts) - DIGEST_LINES} more on the partner program page.")
    mail_on_commit(
        to=recipients,
        subject=f"Partner program: {len(alerts)} new alert{'s' if len(alerts) != 1 else ''}",
        body="\n".join(lines),
    )
    return len(recipients)


def program_recompute(
    *, organization: Organization, job_run: JobRun | None = None, today: dt.date | None = None
) -> dict[str, int]:
    """Tiers, health and alerts of every partner of the organization (what the JobRun runs)."""
    today = today or organization_today(organization)
    settings = program_settings_get(organization=organization)
    specs = tier_specs(organization=organization)
    figures = program_figures(organization=organization, today=today, specs=specs)
    with transaction.atomic():
        tiers = tiers_recompute(
            organization=organization, figures=figures, specs=specs, settings=settings, job_run=job_run
        )
        # Health reads the tier trajectory, which the changes just applied update.
        figures = _with_trajectory(figures, tiers.moved)
        scores = health_recompute(
            organization=organization, figures=figures, settings=settings, job_run=job_run
        )
        alerts = alerts_raise(organization=organization, figures=figures, scores=scores, settings=settings)
        alerts_digest(organization=organization, alerts=alerts)
    return tiers.as_counts() | {
        "partners": len(figures.partners),
        "health scores": len(scores),
        "alerts": len(alerts),
    }


def _with_trajectory(figures: ProgramFigures, moved: dict[int, int]) -> ProgramFigures:
    """`figures` with the trajectory of the partners whose tier just changed (+1 up, −1 down)."""
    if not moved:
        return figures
    health = dict(figures.health)
    for pk, direction in moved.items():
        health[pk] = replace(health[pk], trajectory=direction)
    return replace(figures, health=health)


def program_recompute_enqueue(
    *, organization: Organization, acting_user=None, idempotency_key: str = ""
) -> tuple[JobRun, bool]:
    """Queue a recompute (a double click with the same key queues one run)."""
    return job_enqueue(
        organization=organization,
        kind=PROGRAM_KIND,
        idempotency_key=idempotency_key or f"{PROGRAM_KIND}:{uuid.uuid4().hex}",
        started_by=acting_user,
    )


def program_recompute_everywhere() -> int:
    """Queue today's recompute for every organization with configured tiers (keyed per day)."""
    day = timezone.now().date().isoformat()
    queued = 0
    for organization in Organization.objects.filter(
        pk__in=ProgramTier.objects.values("organization_id")
    ).order_by("pk"):
        _, created = program_recompute_enqueue(
            organization=organization, idempotency_key=f"{PROGRAM_KIND}:daily:{day}"
        )
        queued += created
    return queued


# --- Decisions ------------------------------------------------------------------------------------


@transaction.atomic
def tier_change_decide(
    *, membership: Membership, change_id: int, approve: bool, reason: str = ""
) -> PartnerTierChange:
    """Approve (apply) or reject a pending downgrade; a second decision is refused."""
    _require(membership, PartnerCap.PROGRAM_MANAGE)
    change = (
        PartnerTierChange.objects.select_for_update()
        .select_related("partner")
        .get(pk=change_id, organization_id=membership.organization_id)
    )
    if change.status != TierChangeStatus.PENDING:
        raise ApplicationError(ALREADY_DECIDED)
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    now = timezone.now()
    change.status = TierChangeStatus.APPLIED if approve else TierChangeStatus.REJECTED
    change.decided_by = membership.user
    change.decided_at = now
    if reason:
        change.reason_text = f"{change.reason_text} Decision: {reason}".strip()
    change.save(update_fields=["status", "decided_by", "decided_at", "reason_text", "updated_at"])
    if approve:
        Partner.objects.filter(pk=change.partner_id).update(tier=change.to_tier)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="partner_tier.approve" if approve else "partner_tier.reject",
        obj=change,
        before={"tier": change.from_tier},
        after={"tier": change.to_tier if approve else change.from_tier},
        reason=reason,
    )
    return change


@transaction.atomic
def alert_acknowledge(*, membership: Membership, alert_id: int) -> PartnerAlert:
    """Mark an alert seen (acknowledging it again changes nothing)."""
    _require(membership, PartnerCap.PROGRAM_MANAGE)
    alert = PartnerAlert.objects.get(pk=alert_id, organization_id=membership.organization_id)
    PartnerAlert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        status=AlertStatus.ACKNOWLEDGED, acknowledged_by=membership.user, acknowledged_at=timezone.now()
    )
    alert.refresh_from_db()
    return alert


# --- Lifecycle ------------------------------------------------------------------------------------


def _move(partner: Partner, to_stage: str, *, actor, note: str) -> PartnerLifecycleChange:
    """Move the (locked) partner; the history row dates the move."""
    allowed = LIFECYCLE_MOVES.get(partner.lifecycle_stage, frozenset())
    if to_stage not in allowed:
        raise ApplicationError(
            f"{partner.name} cannot move from {partner.get_lifecycle_stage_display().lower()} "
            f"to {Partner.Lifecycle(to_stage).label.lower()}."
        )
    change = PartnerLifecycleChange.objects.create(
        organization_id=partner.organization_id,
        partner=partner,
        from_stage=partner.lifecycle_stage,
        to_stage=to_stage,
        note=note[:300],
        changed_by=actor,
    )
    Partner.objects.filter(pk=partner.pk).update(lifecycle_stage=to_stage)
    partner.lifecycle_stage = to_stage
    return change


def _locked_partner(membership: Membership, partner_id: int) -> Partner:
    return Partner.objects.select_for_update().get(pk=partner_id, organization_id=membership.organization_id)


@transaction.atomic
def partner_lifecycle_set(*, membership: Membership, partner_id: int, stage: str, note: str = "") -> Partner:
    """Move a partner along the lifecycle as a manager (refused for a move not allowed)."""
    _require(membership, PartnerCap.PROGRAM_MANAGE)
    if stage not in Partner.Lifecycle.values:
        raise ValidationError({"stage": f"Unknown lifecycle stage {stage!r}."})
    partner = _locked_partner(membership, partner_id)
    change = _move(partner, stage, actor=membership.user, note=note or "Set by a channel manager.")
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="partner.lifecycle",
        obj=partner,
        before={"lifecycle_stage": change.from_stage},
        after={"lifecycle_stage": change.to_stage},
        reason=note,
    )
    return partner


@transaction.atomic
def onboarding_step_complete(*, membership: Membership, partner_id: int, step_id: int) -> Partner:
    """Tick a checklist step: a prospect starts onboarding; the last step makes the partner active."""
    _require(membership, PartnerCap.PROGRAM_MANAGE)
    partner = _locked_partner(membership, partner_id)
    step = OnboardingStep.objects.get(pk=step_id, organization_id=membership.organization_id)
    if partner.lifecycle_stage not in (Partner.Lifecycle.PROSPECT, Partner.Lifecycle.ONBOARDING):
        raise ApplicationError(
            f"{partner.name} is {partner.get_lifecycle_stage_display().lower()}: not onboarding."
        )
    _, created = OnboardingCompletion.objects.get_or_create(
        organization_id=partner.organization_id,
        partner=partner,
        step=step,
        defaults={"completed_by": membership.user},
    )
    if not created:
        return partner  # ticking a ticked step again changes nothing
    if partner.lifecycle_stage == Partner.Lifecycle.PROSPECT:
        _move(partner, Partner.Lifecycle.ONBOARDING, actor=membership.user, note=f"Started: {step.name}.")
    remaining = (
        OnboardingStep.objects.filter(organization_id=partner.organization_id)
        .exclude(Q(completions__partner=partner))
        .exists()
    )
    if not remaining:
        _move(partner, Partner.Lifecycle.ACTIVE, actor=membership.user, note="Onboarding checklist complete.")
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="partner.onboarding_step",
        obj=partner,
        after={"step": step.name, "lifecycle_stage": partner.lifecycle_stage},
    )
    return partner
