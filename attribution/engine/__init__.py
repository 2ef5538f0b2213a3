"""Pure partner-attribution split engine: plain Python + Decimal, no ORM, no request.

Call::

    results = compute_splits(deals, accounts, links, rules, settings)

with `DealFacts`, `AccountFacts`, `LinkFacts`, `RuleSpec` and `EngineSettings` (frozen
dataclasses in `types.py`). It returns one `SplitResult` per link, in the order of `links`:
percent (Decimal, 2 places), allowed, and an `Explanation` (source, deciding rule id + version,
caps applied, every same-scope rule considered with why it did or did not match).
`explain_text(result)` turns one into a sentence; `rule_set_diagnostics(rules)` reports
conflicting and unreachable rules when a rule is saved; `reachable_priority(rules, candidate)`
says at which priority a new rule can decide (for rules typed without one).

Semantics, per link (rules only see links of their own scope):

1. Rules are taken by ascending priority (lower number first), ties broken by rule id.
2. Access: the first priority level with a matching allow/deny rule decides, and a deny beats
   an allow at that level. A denied link gets 0.00 % (`allowed=False`, source "denied").
   With no matching allow/deny rule a link is allowed.
3. Base split, first that applies: the link's manual percent (source "manual"); the first
   matching set-split rule ("rule"); for account-scope SI links the organization's SI mode —
   `live_share` = value of the account's deals the SI is linked to as SI ÷ value of all the
   account's deals ("si_live_share"), `fixed_percent` ("si_fixed"), `manual_only` (0 %);
   otherwise the role's default percent ("default", 0 % when none is configured).
   A manual percent therefore overrides set-split rules and defaults, but never deny or cap rules.
4. Caps: every matching cap rule applies in order, so the lowest cap wins.
5. Totals: allowed deal-scope splits of one deal never exceed 100 % in total; with
   `enforce_account_cap`, the same holds for account-scope splits of one account. Over 100 %,
   the splits are scaled down proportionally to exactly 100.00 with largest-remainder
   rounding (`split_percent_exact`), and each changed link records the cap.

Rule conditions on deal stage or product line never match account-scope links; for those links
the "deal value" is the account's total deal value. Deal segment/region fall back to the
account's. A link to a deal or account that was not passed raises `UnknownTargetError`.
"""

from attribution.engine.explain import explain_text
from attribution.engine.rules import Placement, reachable_priority, rule_set_diagnostics
from attribution.engine.splits import (
    ACCOUNT_TOTAL_CAP,
    DEAL_TOTAL_CAP,
    UnknownTargetError,
    compute_splits,
    split_percent_exact,
)
from attribution.engine.types import (
    AccountFacts,
    ActionKind,
    CapApplied,
    Conditions,
    ConsideredRule,
    DealFacts,
    Diagnostic,
    EngineSettings,
    Explanation,
    LinkFacts,
    Role,
    RuleSpec,
    Scope,
    SiMode,
    SplitResult,
    SplitSource,
    quantize_percent,
)

__all__ = [
    "ACCOUNT_TOTAL_CAP",
    "DEAL_TOTAL_CAP",
    "AccountFacts",
    "ActionKind",
    "CapApplied",
    "Conditions",
    "ConsideredRule",
    "DealFacts",
    "Diagnostic",
    "EngineSettings",
    "Explanation",
    "LinkFacts",
    "Placement",
    "Role",
    "RuleSpec",
    "Scope",
    "SiMode",
    "SplitResult",
    "SplitSource",
    "UnknownTargetError",
    "compute_splits",
    "explain_text",
    "quantize_percent",
    "reachable_priority",
    "rule_set_diagnostics",
    "split_percent_exact",
]
