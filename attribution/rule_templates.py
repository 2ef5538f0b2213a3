"""A library of common attribution rules an admin can start from.

Each template is a validated `RuleDefinition` with a stable `key`, a name and a description.
"""

from __future__ import annotations

from decimal import Decimal

from attribution.rule_schema import RuleAction, RuleConditions, RuleDefinition


def _rule(key: str, name: str, description: str, **fields) -> RuleDefinition:
    return RuleDefinition(key=key, name=name, description=description, source="template", **fields)


RULE_TEMPLATES: tuple[RuleDefinition, ...] = (
    _rule(
        "referral-10",
        "Referral 10 %",
        "Referral partners get 10 % of the deals they source.",
        conditions=RuleConditions(roles=["referral"]),
        action=RuleAction(kind="set_split", percent=Decimal("10")),
    ),
    _rule(
        "no-influence-under-10k",
        "No influence credit below $10k",
        "Influence partners get no credit on deals under $10,000.",
        priority=10,
        conditions=RuleConditions(roles=["influence"], max_amount=Decimal("10000")),
        action=RuleAction(kind="deny"),
    ),
    _rule(
        "si-enterprise-20",
        "SI 20 % on enterprise",
        "SI partners get 20 % on enterprise deals.",
        conditions=RuleConditions(roles=["si"], segments=["enterprise"]),
        action=RuleAction(kind="set_split", percent=Decimal("20")),
    ),
    _rule(
        "cap-isv-15",
        "Cap ISV at 15 %",
        "ISV partners never get more than 15 % of a deal.",
        conditions=RuleConditions(roles=["isv"]),
        action=RuleAction(kind="cap", percent=Decimal("15")),
    ),
    _rule(
        "no-credit-closed-lost",
        "No credit on lost deals",
        "No partner gets credit on deals in stage Closed lost.",
        priority=5,
        conditions=RuleConditions(stages=["closed_lost"]),
        action=RuleAction(kind="deny"),
    ),
    _rule(
        "influence-5",
        "Influence 5 %",
        "Influence partners get 5 % of the deals they influence.",
        conditions=RuleConditions(roles=["influence"]),
        action=RuleAction(kind="set_split", percent=Decimal("5")),
    ),
    _rule(
        "platinum-referral-15",
        "Platinum referral 15 %",
        "Platinum-tier referral partners get 15 %, ahead of the standard referral rule.",
        priority=50,
        conditions=RuleConditions(roles=["referral"], partner_tiers=["platinum"]),
        action=RuleAction(kind="set_split", percent=Decimal("15")),
    ),
    _rule(
        "cap-any-partner-30",
        "Cap any partner at 30 %",
        "No single partner gets more than 30 % of a deal.",
        priority=1000,
        action=RuleAction(kind="cap", percent=Decimal("30")),
    ),
    _rule(
        "deny-referral-smb-small",
        "No referral credit on small SMB deals",
        "Referral partners get no credit on SMB deals under $5,000.",
        priority=10,
        conditions=RuleConditions(roles=["referral"], segments=["smb"], max_amount=Decimal("5000")),
        action=RuleAction(kind="deny"),
    ),
    _rule(
        "si-account-share-cap-50",
        "Cap SI account share at 50 %",
        "An SI partner's share of an account is at most 50 %.",
        scope="account",
        conditions=RuleConditions(roles=["si"]),
        action=RuleAction(kind="cap", percent=Decimal("50")),
    ),
)

TEMPLATES_BY_KEY: dict[str, RuleDefinition] = {t.key: t for t in RULE_TEMPLATES if t.key}


def rule_template_get(key: str) -> RuleDefinition:
    """The template with `key`; KeyError names the known keys when it does not exist."""
    try:
        return TEMPLATES_BY_KEY[key]
    except KeyError:
        raise KeyError(f"No rule template {key!r}; known: {', '.join(sorted(TEMPLATES_BY_KEY))}") from None
