"""Plain, immutable inputs and outputs of the split engine (no ORM, no Django)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

HUNDREDTH = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100.00")


def quantize_percent(value: Decimal | int | float | str) -> Decimal:
    """Round a percentage to 2 decimal places, half up (same convention as money)."""
    return Decimal(str(value)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


class Scope(StrEnum):
    ACCOUNT = "account"
    OPPORTUNITY = "opportunity"


class Role(StrEnum):
    SI = "si"
    INFLUENCE = "influence"
    REFERRAL = "referral"
    ISV = "isv"


class SiMode(StrEnum):
    LIVE_SHARE = "live_share"
    FIXED_PERCENT = "fixed_percent"
    MANUAL_ONLY = "manual_only"


class ActionKind(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    SET_SPLIT = "set_split"
    CAP = "cap"


class SplitSource(StrEnum):
    MANUAL = "manual"
    RULE = "rule"
    DEFAULT = "default"
    SI_LIVE_SHARE = "si_live_share"
    SI_FIXED = "si_fixed"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class DealFacts:
    """One opportunity as the engine sees it. `product_line` is a product-line code (or id)."""

    id: Hashable
    account_id: Hashable
    stage: str
    amount: Decimal
    product_line: Hashable | None = None
    segment: str = ""
    region: str = ""


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """One account. `deal_values` maps deal id -> value; empty means "use the deals passed in"."""

    id: Hashable
    segment: str = ""
    region: str = ""
    deal_values: Mapping[Hashable, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LinkFacts:
    """A partner taking part in a deal (scope opportunity) or an account (scope account)."""

    scope: Scope
    target_id: Hashable
    partner_id: Hashable
    role: Role
    partner_types: frozenset[str] = frozenset()
    partner_tier: str = ""
    manual_percent: Decimal | None = None
    source: str = "manual"
    partner_name: str = ""
    link_id: Hashable | None = None


@dataclass(frozen=True, slots=True)
class Conditions:
    """What a rule matches. Empty sets and None bounds match anything.

    Amounts: `min_amount` is inclusive unless `min_inclusive` is False; `max_amount` is
    exclusive unless `max_inclusive` is True ("under $10k" = max 10000 exclusive).
    """

    roles: frozenset[str] = frozenset()
    partner_types: frozenset[str] = frozenset()
    partner_tiers: frozenset[str] = frozenset()
    stages: frozenset[str] = frozenset()
    min_amount: Decimal | None = None
    min_inclusive: bool = True
    max_amount: Decimal | None = None
    max_inclusive: bool = False
    product_lines: frozenset[Hashable] = frozenset()
    segments: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One version of an attribution rule. Lower `priority` is evaluated first."""

    id: Hashable
    version: int
    name: str
    scope: Scope
    priority: int
    conditions: Conditions
    action: ActionKind
    percent: Decimal | None = None


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """An organization's attribution settings, as plain values."""

    enforce_account_cap: bool = True
    si_mode: SiMode = SiMode.LIVE_SHARE
    si_fixed_percent: Decimal = ZERO
    default_percent_by_role: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CapApplied:
    """A cap that lowered a split: what capped it, and the percent before and after."""

    what: str
    from_percent: Decimal
    to_percent: Decimal


@dataclass(frozen=True, slots=True)
class ConsideredRule:
    """A rule the engine looked at for a link, whether it matched, and why (not)."""

    rule_id: Hashable
    rule_version: int
    rule_name: str
    matched: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """Where a split came from: its source, the deciding rule (if any), caps and rules seen."""

    source: SplitSource
    rule_id: Hashable | None = None
    rule_version: int | None = None
    rule_name: str = ""
    caps_applied: tuple[CapApplied, ...] = ()
    considered: tuple[ConsideredRule, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SplitResult:
    """The engine's answer for one link. `percent` has exactly 2 decimal places."""

    scope: Scope
    target_id: Hashable
    partner_id: Hashable
    role: Role
    percent: Decimal
    allowed: bool
    explanation: Explanation
    partner_name: str = ""
    link_id: Hashable | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem in a rule set: `kind` is "conflict" or "unreachable"."""

    kind: str
    rule_ids: tuple[Hashable, ...]
    message: str
