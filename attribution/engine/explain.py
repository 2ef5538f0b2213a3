"""Plain-language sentences for split results."""

from __future__ import annotations

from attribution.engine.types import SplitResult, SplitSource

ROLE_LABELS = {"si": "SI", "influence": "Influence", "referral": "Referral", "isv": "ISV"}


def _reason(result: SplitResult) -> str:
    e = result.explanation
    rule = f"rule '{e.rule_name}' (v{e.rule_version})"
    match e.source:
        case SplitSource.RULE:
            return f"because {rule} matched"
        case SplitSource.MANUAL:
            return "because a manual split was set"
        case SplitSource.SI_LIVE_SHARE:
            return "as its live share of the account"
        case SplitSource.SI_FIXED:
            return "by the fixed SI percent"
        case _:
            return f"by the default for {ROLE_LABELS.get(result.role, result.role)} partners"


def explain_text(result: SplitResult) -> str:
    """One sentence saying what a partner gets and why, naming rules and their versions."""
    e = result.explanation
    role = ROLE_LABELS.get(result.role, str(result.role))
    name = result.partner_name or f"#{result.partner_id}"
    if e.source is SplitSource.DENIED:
        return f"{role} partner {name} gets no credit because rule '{e.rule_name}' (v{e.rule_version}) denies it."
    parts = [f"{role} partner {name} gets {result.percent} % {_reason(result)}"]
    parts.extend(f"capped from {c.from_percent} % to {c.to_percent} % by {c.what}" for c in e.caps_applied)
    sentence = "; ".join(parts)
    if e.notes:
        sentence += f" ({'; '.join(e.notes)})"
    return sentence + "."
