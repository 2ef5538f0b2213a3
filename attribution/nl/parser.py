"""Turn one English sentence into a validated RuleDefinition, or say which words it could not use.

Deterministic: the grammar is in `attribution.nl.grammar` (and docs/attribution-rules.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import ValidationError

from attribution.nl.grammar import Token, phrase_table, tokenize
from attribution.rule_schema import RuleDefinition, validation_message

MAX_PHRASE_WORDS = 4
DEFAULT_STAGES = (
    ("prospecting", "Prospecting"),
    ("qualification", "Qualification"),
    ("proposal", "Proposal"),
    ("negotiation", "Negotiation"),
    ("closed_won", "Closed won"),
    ("closed_lost", "Closed lost"),
)


@dataclass(frozen=True)
class ParseContext:
    """Names the parser may recognise: stage and product-line phrases -> their codes."""

    stages: dict[str, str] = field(default_factory=dict)
    product_lines: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        stages: Iterable[tuple[str, str]] = DEFAULT_STAGES,
        product_lines: Iterable[tuple[str, str]] = (),
    ) -> ParseContext:
        """From (code, name) pairs; both the code and the name are recognised."""

        def phrases(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
            out: dict[str, str] = {}
            for code, name in pairs:
                for phrase in (code, name, code.replace("_", " "), code.replace("-", " ")):
                    out[" ".join(t.text for t in tokenize(phrase))] = code
            return out

        return cls(stages=phrases(stages), product_lines=phrases(product_lines))


@dataclass(frozen=True)
class ParseFailure:
    """The sentence was refused; `unknown_words` are the words no phrase could use."""

    sentence: str
    message: str
    unknown_words: tuple[str, ...] = ()


@dataclass
class _Item:
    category: str
    value: object
    text: str


class _Refusal(Exception):
    pass


def _phrases(tokens: list[Token], table: dict) -> list[_Item]:
    """Group tokens into known phrases, numbers, percents and amounts (longest phrase first)."""
    items: list[_Item] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind in ("number", "money"):
            items.append(_Item("amount" if token.kind == "money" or not token.text[-1].isdigit() else "number",
                               token.value, token.text))  # fmt: skip
            i += 1
            continue
        for size in range(min(MAX_PHRASE_WORDS, len(tokens) - i), 0, -1):
            words = tuple(t.text for t in tokens[i : i + size])
            if all(t.kind in ("word", "percent") for t in tokens[i : i + size]) and words in table:
                category, value = table[words]
                items.append(_Item(category, value, " ".join(words)))
                i += size
                break
        else:
            items.append(_Item("unknown", None, token.text))
            i += 1
    return _join_quantities(items)


def _join_quantities(items: list[_Item]) -> list[_Item]:
    """Attach multipliers and percent words to the number before them."""
    out: list[_Item] = []
    for item in items:
        prev = out[-1] if out else None
        if item.category == "multiplier" and prev and prev.category in ("number", "amount"):
            prev.category, prev.value = "amount", prev.value * item.value
            prev.text += f" {item.text}"
        elif item.category == "percent_word" and prev and prev.category == "number":
            prev.category = "percent"
            prev.text += f" {item.text}"
        else:
            out.append(item)
    return out


@dataclass
class _Draft:
    verbs: set[str] = field(default_factory=set)
    lists: dict[str, list[str]] = field(default_factory=dict)
    bounds: dict[str, tuple[Decimal, bool]] = field(default_factory=dict)
    percents: list[Decimal] = field(default_factory=list)
    cap_percent: Decimal | None = None
    priority: int | None = None
    scope: str = "opportunity"
    unknown: list[str] = field(default_factory=list)

    def add(self, key: str, value: str) -> None:
        values = self.lists.setdefault(key, [])
        if value not in values:
            values.append(value)

    def bound(self, which: str, amount: Decimal, inclusive: bool, text: str) -> None:
        if which in self.bounds:
            raise _Refusal(f"Two {which}imum amounts are given (second: '{text}').")
        self.bounds[which] = (amount, inclusive)


_LIST_KEYS = {
    "role": "roles",
    "tier": "partner_tiers",
    "segment": "segments",
    "region": "regions",
    "stage": "stages",
    "product": "product_lines",
}


def _next(items: list[_Item], i: int) -> _Item | None:
    return items[i + 1] if i + 1 < len(items) else None


def _read(items: list[_Item]) -> _Draft:
    draft = _Draft()
    i = 0
    while i < len(items):
        item, nxt = items[i], _next(items, i)
        cat = item.category
        if cat in _LIST_KEYS:
            draft.add(_LIST_KEYS[cat], item.value)
        elif cat == "action":
            draft.verbs.add(item.value)
        elif cat == "scope":
            draft.scope = "account"
        elif cat == "percent":
            draft.percents.append(item.value)
        elif cat == "keyword" and item.value == "of_type" and nxt and nxt.category == "role":
            draft.add("partner_types", nxt.value)
            i += 1
        elif cat == "keyword" and item.value == "priority" and nxt and nxt.category == "number":
            draft.priority = int(nxt.value)
            i += 1
        elif cat == "keyword" and item.value == "between":
            third, fourth = _next(items, i + 1), _next(items, i + 2)
            quantities = ("amount", "number")
            if not (nxt and nxt.category in quantities and third and third.text == "and" and fourth
                    and fourth.category in quantities):  # fmt: skip
                raise _Refusal("'between' needs two amounts: between $X and $Y.")
            draft.bound("min", nxt.value, True, nxt.text)
            draft.bound("max", fourth.value, True, fourth.text)
            i += 3
        elif cat == "compare":
            which, inclusive = item.value
            if nxt and nxt.category == "percent" and which == "max":
                draft.cap_percent = nxt.value
            elif nxt and nxt.category in ("amount", "number"):
                draft.bound(which, nxt.value, inclusive, nxt.text)
            else:
                raise _Refusal(f"'{item.text}' must be followed by an amount or a percent.")
            i += 1
        elif cat == "amount" and nxt and nxt.category == "postfix":
            which, inclusive = nxt.value
            draft.bound(which, item.value, inclusive, item.text)
            i += 1
        elif cat in ("amount", "number", "unknown", "postfix", "multiplier", "percent_word", "keyword"):
            draft.unknown.append(item.text)
        i += 1
    return draft


def _action(draft: _Draft) -> dict:
    verbs, percents = draft.verbs, draft.percents
    if "cap" in verbs or draft.cap_percent is not None:
        caps = [*percents, *([draft.cap_percent] if draft.cap_percent is not None else [])]
        if len(caps) != 1:
            raise _Refusal("A cap needs exactly one percent (e.g. 'cap ISV partners at 15 %').")
        return {"kind": "cap", "percent": caps[0]}
    if "deny" in verbs:
        if "allow" in verbs or percents:
            raise _Refusal("The sentence both denies and gives or allows; a rule has one action.")
        return {"kind": "deny"}
    if "give" in verbs:
        if len(percents) != 1:
            raise _Refusal("Giving a split needs exactly one percent (e.g. 'give referral partners 10 %').")
        return {"kind": "set_split", "percent": percents[0]}
    if "allow" in verbs:
        if percents:
            raise _Refusal("An allow rule takes no percent; use 'give' to set a split.")
        return {"kind": "allow"}
    raise _Refusal("No action found: say allow, deny, give N %, cap at N % or no credit.")


def _definition(sentence: str, draft: _Draft, action: dict) -> dict:
    conditions: dict = dict(draft.lists)
    if "min" in draft.bounds:
        conditions["min_amount"], conditions["min_inclusive"] = draft.bounds["min"]
    if "max" in draft.bounds:
        conditions["max_amount"], conditions["max_inclusive"] = draft.bounds["max"]
    data = {
        "name": " ".join(sentence.split())[:200],
        "description": f"From the sentence: {sentence.strip()}"[:2000],
        "scope": draft.scope,
        "conditions": conditions,
        "action": action,
        "source": "grammar",
    }
    if draft.priority is not None:
        data["priority"] = draft.priority
    return data


def parse_rule(sentence: str, context: ParseContext | None = None) -> RuleDefinition | ParseFailure:
    """Parse `sentence` with the grammar; a refusal names the words it could not understand."""
    context = context or ParseContext.build()
    tokens = tokenize(sentence)
    if not tokens:
        return ParseFailure(sentence, "The sentence is empty.")
    items = _phrases(tokens, phrase_table(context.stages, context.product_lines))
    try:
        draft = _read(items)
        if draft.unknown:
            words = ", ".join(f"'{w}'" for w in draft.unknown)
            return ParseFailure(sentence, f"Could not understand: {words}.", tuple(draft.unknown))
        data = _definition(sentence, draft, _action(draft))
    except _Refusal as refusal:
        return ParseFailure(sentence, str(refusal))
    try:
        return RuleDefinition.model_validate(data)
    except ValidationError as exc:
        return ParseFailure(sentence, f"The rule is not valid: {validation_message(exc)}.")
