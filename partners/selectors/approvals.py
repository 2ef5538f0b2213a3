"""Approval routing: which steps a request goes through, and who may decide a step.

One engine serves three kinds of request (`ApprovalKind`): deal registrations, partner
touchpoints and split changes. A request's chain is chosen once, at submission, and stored
with it (`steps`): the first active `ApprovalPolicy` of its kind (lowest priority) that has at
least one step whose conditions match;
its matching steps, in order. Conditions left blank match everything. With no matching
policy the chain is one step for any member who may approve (`PartnerCap.APPROVE`), with the
organization's default SLA.

A step names a user (only they decide it) or a role (any member of that role). Once the step
is past its SLA (`step_due_at`), its escalation target may decide it too. Nobody decides a
request they submitted.

What the conditions read, per kind:

| condition | registration | touchpoint | split change |
|---|---|---|---|
| deal size (`min_value`) | estimated value | the deal's amount (0 without a deal) | the deal's amount |
| partner tier | the partner's | the partner's | the partner's |
| region | the matched account's | the account's | the deal's account's |
| product line | the registration's | the deal's | the deal's |
| conflict found | the conflict check | another partner already on the deal | another partner on the deal |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from partners.models import ApprovalKind, ApprovalPolicy, ApprovalStep
from partners.permissions import PartnerCap
from revops.models import Membership
from revops.permissions import has_cap


@dataclass(frozen=True)
class RoutingFacts:
    """What step conditions look at."""

    value: Decimal
    partner_tier: str
    region: str
    product_line_id: int | None
    conflict: bool


def _matches(step: ApprovalStep, facts: RoutingFacts) -> bool:
    return (
        (step.min_value is None or facts.value >= step.min_value)
        and (not step.partner_tier or step.partner_tier == facts.partner_tier)
        and (not step.region or step.region == facts.region)
        and (step.product_line_id is None or step.product_line_id == facts.product_line_id)
        and (not step.only_with_conflict or facts.conflict)
    )


def _as_json(step: ApprovalStep) -> dict:
    return {
        "name": step.name,
        "role": step.approver_role,
        "user_id": step.approver_user_id,
        "sla_hours": step.sla_hours,
        "escalate_to_id": step.escalate_to_id,
        "policy": step.policy.name,
    }


def approval_steps_for(
    organization, facts: RoutingFacts, *, default_sla_hours: int, kind: str = ApprovalKind.REGISTRATION
) -> list[dict]:
    """The chain of steps (as stored JSON) for a request of `kind` with these facts."""
    policies = ApprovalPolicy.objects.filter(
        organization=organization, is_active=True, kind=kind
    ).prefetch_related("steps__policy")
    for policy in policies:
        steps = [_as_json(s) for s in policy.steps.all() if _matches(s, facts)]
        if steps:
            return steps
    return [
        {
            "name": "Approval",
            "role": "",
            "user_id": None,
            "sla_hours": default_sla_hours,
            "escalate_to_id": None,
            "policy": "",
        }
    ]


def may_decide(registration: Any, membership: Membership | None, *, now: dt.datetime) -> bool:
    """Whether the member may decide the request's current step now (any kind: the request
    carries `submitted_by_id`, `steps`, `current_step` and `step_due_at`)."""
    if membership is None or not has_cap(membership, PartnerCap.APPROVE):
        return False
    if registration.submitted_by_id == membership.user_id:
        return False
    if registration.current_step >= len(registration.steps):
        return False
    step = registration.steps[registration.current_step]
    overdue = registration.step_due_at is not None and now > registration.step_due_at
    if overdue and step.get("escalate_to_id") == membership.user_id:
        return True
    if step.get("user_id"):
        return step["user_id"] == membership.user_id
    return not step.get("role") or step["role"] == membership.role


def step_label(step: dict) -> str:
    """Who decides a step, for pages."""
    if step.get("user_id"):
        return f"{step['name']} (named approver)"
    if step.get("role"):
        return f"{step['name']} ({step['role']})"
    return step["name"]
