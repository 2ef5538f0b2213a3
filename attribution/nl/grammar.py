"""Grammar of attribution rules written as one English sentence: lexicon and tokenizer.

A sentence is read as a bag of phrases in any order; each word must belong to one phrase,
and words that fit none are reported back. Matching is case-insensitive, longest phrase first.

    sentence   := phrase+
    phrase     := action | role | type | tier | segment | region | stage | product
                | comparison | percent | priority | scope | filler
    action     := deny-verb | allow-verb | give-verb | cap-verb
    deny-verb  := "deny" | "block" | "exclude" | "disallow" | "reject" | "no" | "never"
                | "do not allow" | "don't allow" | "do not give" | "don't give"
    allow-verb := "allow" | "permit" | "accept"
    give-verb  := "give" | "get" | "earn" | "receive" | "pay" | "award" | "assign" | "set" | "split"
    cap-verb   := "cap" | "capped" | "limit" | "limited" | "max" | "maximum"
    role       := ("referral" | "referrer" | "influence" | "influencer" | "si" | "implementation"
                  | "implementer" | "system integrator" | "integrator" | "isv") ["partner"]
                  (plural forms too)
    type       := "of type" role                      -> partner types, not the link's role
    tier       := ("registered" | "silver" | "gold" | "platinum") ["tier"]
    segment    := "smb" | "small business" | "mid market" | "midmarket" | "enterprise"
    region     := "na" | "north america" | "emea" | "europe" | "apac" | "asia pacific"
                | "latam" | "latin america"
    stage      := ["stage"] STAGE-NAME        (names and codes from the parse context)
    product    := ["product line"] PRODUCT-LINE-NAME   (names and codes from the context)
    comparison := upper amount | lower amount | "between" amount "and" amount
                | amount ("or more" | "or less") | upper percent (a cap)
    upper      := "under" | "below" | "less than" | "smaller than" | "lower than"   (exclusive)
                | "at most" | "up to" | "no more than"                              (inclusive)
    lower      := "over" | "above" | "more than" | "greater than" | "larger than"  (exclusive)
                | "at least" | "minimum"                                            (inclusive)
    amount     := ["$"] NUMBER ["k" | "m" | "thousand" | "million" | "billion"]
                  (a bare number is an amount only right after a comparison word)
    percent    := NUMBER ("%" | "percent" | "per cent" | "pct")
    priority   := "priority" NUMBER
    scope      := "account" | "accounts"      -> an account-scope rule (default: deals)
    filler     := "the" | "a" | "on" | "in" | "for" | "of" | "to" | "with" | "deals" | "partners"
                | "credit" | "and" | "or" | ...   (see FILLER below)

"between X and Y" includes both ends. Action resolution: a cap (verb or "at most N %") wins;
otherwise deny; otherwise give (needs a percent); otherwise allow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

ROLE_WORDS = {
    "referral": "referral", "referrals": "referral", "referrer": "referral", "referrers": "referral",
    "referring": "referral",
    "influence": "influence", "influencer": "influence", "influencers": "influence",
    "influencing": "influence",
    "si": "si", "sis": "si", "si's": "si", "implementation": "si", "implementations": "si",
    "implementer": "si", "implementers": "si", "implementor": "si", "implementors": "si",
    "integrator": "si", "integrators": "si", "system integrator": "si", "system integrators": "si",
    "isv": "isv", "isvs": "isv", "isv's": "isv",
}  # fmt: skip

TIER_WORDS = {t: t for t in ("registered", "silver", "gold", "platinum")}

SEGMENT_WORDS = {
    "smb": "smb", "smbs": "smb", "small business": "smb", "small businesses": "smb",
    "mid market": "mid_market", "midmarket": "mid_market", "mid_market": "mid_market",
    "enterprise": "enterprise", "enterprises": "enterprise",
}  # fmt: skip

REGION_WORDS = {
    "na": "na", "north america": "na", "north american": "na",
    "emea": "emea", "europe": "emea", "european": "emea",
    "apac": "apac", "asia pacific": "apac",
    "latam": "latam", "latin america": "latam", "latin american": "latam",
}  # fmt: skip

ACTION_WORDS = {
    "deny": "deny", "denies": "deny", "block": "deny", "blocks": "deny", "exclude": "deny",
    "excludes": "deny", "disallow": "deny", "reject": "deny", "no": "deny", "never": "deny",
    "do not allow": "deny", "don't allow": "deny", "do not give": "deny", "don't give": "deny",
    "allow": "allow", "allows": "allow", "allowed": "allow", "permit": "allow", "permits": "allow",
    "accept": "allow",
    "give": "give", "gives": "give", "get": "give", "gets": "give", "earn": "give", "earns": "give",
    "receive": "give", "receives": "give", "pay": "give", "award": "give", "assign": "give",
    "set": "give", "split": "give",
    "cap": "cap", "caps": "cap", "capped": "cap", "limit": "cap", "limits": "cap",
    "limited": "cap", "max": "cap", "maximum": "cap",
}  # fmt: skip

# comparison word -> (bound, inclusive); "cap" words become a cap before a percent
UPPER_EXCLUSIVE = ("under", "below", "less than", "smaller than", "lower than")
UPPER_INCLUSIVE = ("at most", "up to", "no more than", "not more than")
LOWER_EXCLUSIVE = ("over", "above", "more than", "greater than", "larger than", "bigger than", "exceeding")
LOWER_INCLUSIVE = ("at least", "minimum", "no less than")
COMPARISON_WORDS = {
    **dict.fromkeys(UPPER_EXCLUSIVE, ("max", False)),
    **dict.fromkeys(UPPER_INCLUSIVE, ("max", True)),
    **dict.fromkeys(LOWER_EXCLUSIVE, ("min", False)),
    **dict.fromkeys(LOWER_INCLUSIVE, ("min", True)),
}
POSTFIX_WORDS = {"or more": ("min", True), "or above": ("min", True), "or less": ("max", True)}

MULTIPLIERS = {
    "k": Decimal(1000), "thousand": Decimal(1000), "grand": Decimal(1000),
    "m": Decimal(1_000_000), "mm": Decimal(1_000_000), "million": Decimal(1_000_000),
    "b": Decimal(1_000_000_000), "bn": Decimal(1_000_000_000), "billion": Decimal(1_000_000_000),
}  # fmt: skip
PERCENT_WORDS = ("%", "percent", "per cent", "pct")

FILLER = frozenset(
    [
        "the",
        "a",
        "an",
        "on",
        "in",
        "for",
        "of",
        "to",
        "with",
        "at",
        "by",
        "from",
        "all",
        "any",
        "every",
        "each",
        "their",
        "they",
        "them",
        "that",
        "which",
        "who",
        "whose",
        "are",
        "is",
        "be",
        "when",
        "where",
        "if",
        "only",
        "and",
        "or",
        "deals",
        "deal",
        "opportunities",
        "opportunity",
        "use",
        "case",
        "cases",
        "partner",
        "partners",
        "credit",
        "credits",
        "share",
        "shares",
        "stage",
        "stages",
        "product",
        "products",
        "line",
        "lines",
        "tier",
        "tiers",
        "segment",
        "segments",
        "region",
        "regions",
        "worth",
        "valued",
        "value",
        "size",
        "sized",
        "amount",
        "amounts",
        "revenue",
        "source",
        "sourced",
        "sources",
        "bring",
        "brought",
        "should",
        "must",
        "can",
        "will",
        "may",
        "always",
        "level",
        "type",
        "types",
        "it",
        "its",
        "than",
        "percentage",
    ]
)
SCOPE_WORDS = {"account": "account", "accounts": "account"}

_TOKEN = re.compile(
    r"""
    (?P<money>\$\s?\d[\d,]*(?:\.\d+)?(?:k|mm|m|bn|b)?(?![a-z\d]))
  | (?P<number>\d[\d,]*(?:\.\d+)?(?:k|mm|m|bn|b)?(?![a-z\d]))
  | (?P<percent>%)
  | (?P<word>[a-z_]+(?:['’][a-z]+)?)
  | (?P<other>[^\s.,;:!?()"'-])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "number", "money", "percent", "other"
    text: str
    value: Decimal | None = None


def _number(text: str) -> Decimal | None:
    raw = text.replace("$", "").replace(",", "").strip()
    multiplier = Decimal(1)
    for suffix in ("mm", "bn", "k", "m", "b"):
        if raw.endswith(suffix):
            raw, multiplier = raw[: -len(suffix)], MULTIPLIERS[suffix]
            break
    try:
        return Decimal(raw) * multiplier
    except InvalidOperation:
        return None


def tokenize(sentence: str) -> list[Token]:
    """Split a sentence into words, numbers, money amounts and percent signs (lower case)."""
    tokens = []
    for match in _TOKEN.finditer(sentence.lower().replace("’", "'")):
        kind = match.lastgroup or "other"
        text = match.group()
        value = _number(text) if kind in ("money", "number") else None
        tokens.append(Token(kind, text, value))
    return tokens


def phrase_table(
    stages: dict[str, str], product_lines: dict[str, str]
) -> dict[tuple[str, ...], tuple[str, object]]:
    """Every known phrase (tuple of words) -> (category, value), context names included."""
    table: dict[tuple[str, ...], tuple[str, object]] = {}

    def add(words: dict | tuple, category: str) -> None:
        items = words.items() if isinstance(words, dict) else ((w, w) for w in words)
        for phrase, value in items:
            table[tuple(phrase.split())] = (category, value)

    add(FILLER, "filler")
    add(SCOPE_WORDS, "scope")
    add(ROLE_WORDS, "role")
    add(TIER_WORDS, "tier")
    add(SEGMENT_WORDS, "segment")
    add(REGION_WORDS, "region")
    add(ACTION_WORDS, "action")
    add(COMPARISON_WORDS, "compare")
    add(POSTFIX_WORDS, "postfix")
    add(MULTIPLIERS, "multiplier")
    add(PERCENT_WORDS, "percent_word")
    add({"between": "between", "priority": "priority", "of type": "of_type"}, "keyword")
    add(product_lines, "product")
    add(stages, "stage")
    return table
