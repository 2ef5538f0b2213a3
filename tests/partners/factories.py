"""Deal registrations for tests: the input a partner fills in, and policies with steps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from partners.models import ApprovalPolicy, ApprovalStep
from partners.services.registrations import RegistrationInput


def registration_input(product_line, **overrides) -> RegistrationInput:
    values = {
        "account_name": "Bluebird Logistics",
        "domain": "bluebird.example",
        "contact_name": "Ada Byrne",
        "contact_email": "ada@bluebird.example",
        "description": "Warehouse analytics roll-out",
        "estimated_value": Decimal("25000.00"),
        "currency": "USD",
        "product_line": product_line,
        "expected_close": dt.date(2026, 6, 30),
        "role": "referral",
    }
    values.update(overrides)
    return RegistrationInput(**values)


def two_step_policy(org, *, second_user=None, min_value=None, escalate_to=None) -> ApprovalPolicy:
    """Channel manager (any manager) first, then a named user or an admin for big deals."""
    policy = ApprovalPolicy.objects.create(organization=org, name="Standard", priority=1)
    ApprovalStep.objects.create(
        organization=org,
        policy=policy,
        order=1,
        name="Channel manager",
        approver_role="manager",
        sla_hours=24,
        escalate_to=escalate_to,
    )
    ApprovalStep.objects.create(
        organization=org,
        policy=policy,
        order=2,
        name="Sales director",
        approver_role="" if second_user else "admin",
        approver_user=second_user,
        sla_hours=48,
        min_value=min_value,
    )
    return policy
