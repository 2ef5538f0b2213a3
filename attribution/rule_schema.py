"""Typed schema of an attribution rule (conditions + action) and JSON/YAML rule-set files.

The same pydantic models validate rules typed in the admin, imported from files, parsed from
a sentence, and proposed by a language model. `RuleDefinition.to_spec` hands a stored rule to
the engine. Everything here is pure: no ORM, no I/O beyond the strings passed in.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from decimal import Decimal
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from attribution.engine.types import ActionKind, Conditions, Role, RuleSpec, Scope, quantize_percent
from revops.text import structure_problem

Tier = Literal["registered", "silver", "gold", "platinum"]
Segment = Literal["smb", "mid_market", "enterprise"]
Region = Literal["na", "emea", "apac", "latam"]
# A rule-set file: at most this many rules (an import of 1,000 takes about 5 s, linear in the
# count: bench/rule_import.py); nesting and control characters are checked before validation.
MAX_RULES = 1000
TOO_DEEP = "The file is nested too deeply to be a rule set."

RuleSource = Literal["manual", "template", "import", "grammar", "llm"]

PERCENT_ACTIONS = frozenset({ActionKind.SET_SPLIT, ActionKind.CAP})


class RuleSetError(ValueError):
    """A rule-set file could not be read; the message names the rule index and field."""


class RuleConditions(BaseModel):
    """What a rule matches; empty lists and missing bounds match anything."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    roles: list[Role] = Field(default_factory=list)
    partner_types: list[Role] = Field(default_factory=list)
    partner_tiers: list[Tier] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)
    min_amount: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    min_inclusive: bool = True
    max_amount: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    max_inclusive: bool = False
    product_lines: list[str] = Field(default_factory=list)
    segments: list[Segment] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)

    @model_validator(mode="after")
    def _amount_range(self) -> Self:
        if self.min_amount is not None and self.max_amount is not None:
            empty = self.min_amount > self.max_amount or (
                self.min_amount == self.max_amount and not (self.min_inclusive and self.max_inclusive)
            )
            if empty:
                raise ValueError("max_amount: the amount range is empty (min_amount is not below max_amount)")
        return self

    def to_engine(self) -> Conditions:
        return Conditions(
            roles=frozenset(r.value for r in self.roles),
            partner_types=frozenset(t.value for t in self.partner_types),
            partner_tiers=frozenset(self.partner_tiers),
            stages=frozenset(self.stages),
            min_amount=self.min_amount,
            min_inclusive=self.min_inclusive,
            max_amount=self.max_amount,
            max_inclusive=self.max_inclusive,
            product_lines=frozenset(self.product_lines),
            segments=frozenset(self.segments),
            regions=frozenset(self.regions),
        )


class RuleAction(BaseModel):
    """What a matching rule does: allow, deny, set the split, or cap it (percent 0-100)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ActionKind
    percent: Decimal | None = Field(default=None, ge=0, le=100, max_digits=5, decimal_places=2)

    @model_validator(mode="after")
    def _percent_matches_kind(self) -> Self:
        if self.kind in PERCENT_ACTIONS and self.percent is None:
            raise ValueError(f"percent: a {self.kind.value} action needs a percent")
        if self.kind not in PERCENT_ACTIONS and self.percent is not None:
            raise ValueError(f"percent: {self.kind.value} actions take no percent")
        return self


class RuleDefinition(BaseModel):
    """One attribution rule as configured. `key` is an optional stable slug (templates, files)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str | None = Field(default=None, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    scope: Scope = Scope.OPPORTUNITY
    priority: int = Field(default=100, ge=0, le=100_000)
    conditions: RuleConditions = Field(default_factory=RuleConditions)
    action: RuleAction
    source: RuleSource = "manual"

    def to_stored(self) -> dict:
        """The one JSON form a rule version stores: scope, conditions, action (and key and source
        when set). Name, description and priority live on the rule. Defaults are left out and
        condition lists are sorted and deduplicated, so equal rules store equal JSON whichever
        door (builder, API, file, sentence) they came through."""
        action: dict = {"kind": self.action.kind.value}
        if self.action.percent is not None:
            action["percent"] = str(quantize_percent(self.action.percent))
        conditions = self.conditions.model_dump(mode="json", exclude_defaults=True)
        for key, value in conditions.items():
            if isinstance(value, list):
                conditions[key] = sorted(set(value))
        stored: dict = {"scope": self.scope.value, "conditions": conditions, "action": action}
        if self.key:
            stored["key"] = self.key
        if self.source != "manual":
            stored["source"] = self.source
        return stored

    @classmethod
    def from_stored(cls, stored: dict, *, name: str, priority: int, description: str = "") -> RuleDefinition:
        """A stored definition with the rule's name, priority and description. Keys older
        versions stored alongside (name, priority, description) give way to the rule's."""
        body = {k: v for k, v in stored.items() if k not in {"name", "priority", "description"}}
        return cls.model_validate({**body, "name": name, "priority": priority, "description": description})

    def to_spec(self, *, rule_id: Hashable, version: int) -> RuleSpec:
        """The engine's view of this rule, stored under `rule_id` at `version`."""
        percent = quantize_percent(self.action.percent) if self.action.percent is not None else None
        return RuleSpec(
            id=rule_id,
            version=version,
            name=self.name,
            scope=self.scope,
            priority=self.priority,
            conditions=self.conditions.to_engine(),
            action=self.action.kind,
            percent=percent,
        )


def validation_message(error: ValidationError, prefix: str = "") -> str:
    """Flatten a pydantic error into "field: message; field: message"."""
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "rule"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{prefix}{field}: {message}")
    return "; ".join(parts)


def _dump(rules: Sequence[RuleDefinition]) -> list[dict]:
    return [rule.model_dump(mode="json", exclude_defaults=False) for rule in rules]


def _load(data: object, file_kind: str) -> list[RuleDefinition]:
    problem = structure_problem(data)
    if problem is not None:
        raise RuleSetError(f"The {file_kind} is refused: {problem}")
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    if not isinstance(data, list):
        raise RuleSetError(f"The {file_kind} must hold a list of rules (or an object with a 'rules' list).")
    if len(data) > MAX_RULES:
        raise RuleSetError(
            f"The {file_kind} holds {len(data):,} rules; a rule set holds at most {MAX_RULES:,}."
        )
    rules = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise RuleSetError(f"Rule {number}: expected an object with the rule's fields.")
        try:
            rules.append(RuleDefinition.model_validate(item))
        except ValidationError as exc:
            raise RuleSetError(f"Rule {number}: {validation_message(exc)}") from exc
    return rules


def rules_to_json(rules: Sequence[RuleDefinition]) -> str:
    """Serialize rules to a JSON document: {"rules": [...]}."""
    return json.dumps({"rules": _dump(rules)}, indent=2, sort_keys=False)


def rules_from_json(text: str) -> list[RuleDefinition]:
    """Parse and validate a JSON rule set; raise RuleSetError naming the rule and field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RuleSetError(f"Not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}.") from exc
    except RecursionError as exc:
        raise RuleSetError(TOO_DEEP) from exc
    return _load(data, "JSON document")


def rules_to_yaml(rules: Sequence[RuleDefinition]) -> str:
    """Serialize rules to YAML (safe_dump): rules: [...]."""
    return yaml.safe_dump({"rules": _dump(rules)}, sort_keys=False, allow_unicode=True)


def rules_from_yaml(text: str) -> list[RuleDefinition]:
    """Parse (safe_load) and validate a YAML rule set; raise RuleSetError naming the rule and field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleSetError(f"Not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise RuleSetError(TOO_DEEP) from exc
    return _load(data, "YAML document")
