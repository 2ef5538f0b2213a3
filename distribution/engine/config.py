"""The distribution configuration document: schema, loading, `${ENV_VAR}` interpolation.

One YAML or JSON document with the sections `campaign`, `salesperson_selection`,
`lead_finding`, `distribution`, `tracking`, `execution` and `lead_source` (where the leads
live: revops, Odoo or Salesforce; `lead_source.py`). Unknown keys, wrong types, bad
regular expressions, unknown strategies, missing files and unset environment variables are
all refused with a `ConfigError` whose message starts with the dotted path of the bad key
(``distribution.strategy: ...``). Files named in the document (web sources, salesperson
lists) are read relative to `base_dir` when a loader is given one.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from distribution.engine.lead_source import SOURCE_TYPES, LeadSource, RevopsSource
from distribution.engine.types import CatchUp, Strategy

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(ValueError):
    """A configuration was refused; `path` is the dotted path of the bad key."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CampaignSection(_Section):
    name: str = Field(min_length=1)
    target_campaign: str = ""
    active: bool = True


class SalespersonSelection(_Section):
    """Who may receive leads.

    `database`: the organization's salesperson profiles; `list`: the `names` given;
    `file`: one name per line in `file`; `campaign_table`: a CSV in `file` with columns
    salesperson_name, salesperson_id, campaign_name, active, team, level, target_leads.
    """

    source: Literal["database", "list", "file", "campaign_table"] = "database"
    names: list[str] = Field(default_factory=list)
    file: str = ""
    campaigns: list[str] = Field(default_factory=list)
    excluded: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _source_needs(self) -> SalespersonSelection:
        if self.source in ("file", "campaign_table") and not self.file:
            raise ValueError(f"file: required when source is {self.source}")
        if self.source == "list" and not self.names:
            raise ValueError("names: required when source is list")
        return self


class DateRange(_Section):
    older_than_days: int | None = Field(default=None, ge=0)
    younger_than_days: int | None = Field(default=None, ge=0)
    start: date | None = None
    end: date | None = None
    exclude_weekends: bool = False
    holidays: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> DateRange:
        if (
            self.older_than_days is not None
            and self.younger_than_days is not None
            and self.older_than_days > self.younger_than_days
        ):
            raise ValueError("younger_than_days: must be at least older_than_days (the range is empty)")
        if self.start and self.end and self.start > self.end:
            raise ValueError("end: must not be before start")
        return self


class WebSources(_Section):
    values: list[str] = Field(default_factory=list)
    file: str = ""
    case_sensitive: bool = False
    match: Literal["exact", "partial", "regex"] = "exact"

    @model_validator(mode="after")
    def _regexes_compile(self) -> WebSources:
        if self.match == "regex":
            for i, pattern in enumerate(self.values):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"values.{i}: bad regular expression {pattern!r}: {exc}") from None
        return self


class DoNotCall(_Section):
    exclude: bool = True
    statuses: list[str] = Field(default_factory=lambda: ["Do Not Call", "DNC"])


class Tags(_Section):
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)


LeadField = Literal["email", "phone", "company", "name", "web_source", "campaign"]
OrderField = Literal["priority", "score", "created_on", "id"]


class OrderBy(_Section):
    field: OrderField
    direction: Literal["asc", "desc"] = "desc"


class LeadFinding(_Section):
    date_range: DateRange = Field(default_factory=DateRange)
    web_sources: WebSources = Field(default_factory=WebSources)
    campaigns: list[str] = Field(default_factory=list)
    statuses: list[str] = Field(default_factory=list)
    do_not_call: DoNotCall = Field(default_factory=DoNotCall)
    tags: Tags = Field(default_factory=Tags)
    required_fields: list[LeadField] = Field(default_factory=list)
    priority_order: list[OrderBy] = Field(
        default_factory=lambda: [
            OrderBy(field="priority", direction="desc"),
            OrderBy(field="created_on", direction="asc"),
        ]
    )
    max_leads: int | None = Field(default=None, ge=1)
    only_unassigned: bool = True


class Level(_Section):
    target_leads: int = Field(ge=0)
    priority: int = 1


class CapacitySettings(_Section):
    default_capacity: int | None = Field(default=None, ge=0)
    catch_up: CatchUp = CatchUp.NONE
    catch_up_rate: float = Field(default=0.5, gt=0, le=1)


SimilarityField = Literal["campaign", "web_source", "segment"]


def _default_similarity() -> list[SimilarityField]:
    return ["campaign", "web_source"]


class PerformanceSettings(_Section):
    similarity: list[SimilarityField] = Field(default_factory=_default_similarity)
    prior_strength: float = Field(default=20.0, ge=0)
    fairness_floor: float = Field(default=0.0, ge=0, lt=1)
    exploration: float = Field(default=0.0, ge=0, le=1)


class Routing(_Section):
    account_owner: bool = False
    duplicate_owner: bool = False


class DistributionSection(_Section):
    strategy: Strategy | list[Strategy]
    seed: int = 0
    default_target_leads: int | None = Field(default=None, ge=0)
    levels: dict[str, Level] = Field(default_factory=dict)
    capacity: CapacitySettings = Field(default_factory=CapacitySettings)
    performance: PerformanceSettings = Field(default_factory=PerformanceSettings)
    routing: Routing = Field(default_factory=Routing)

    @field_validator("strategy")
    @classmethod
    def _non_empty_chain(cls, value: Strategy | list[Strategy]) -> Strategy | list[Strategy]:
        if isinstance(value, list) and not value:
            raise ValueError("give at least one strategy")
        return value

    @model_validator(mode="after")
    def _levels_for_level_based(self) -> DistributionSection:
        if Strategy.LEVEL_BASED in self.chain and not self.levels:
            raise ValueError("levels: required by the level_based strategy")
        return self

    @property
    def chain(self) -> tuple[Strategy, ...]:
        return tuple(self.strategy) if isinstance(self.strategy, list) else (self.strategy,)


class Tracking(_Section):
    record_explanations: bool = True
    report_format: Literal["html", "csv", "json"] = "html"


class Execution(_Section):
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class DistributionConfigDoc(_Section):
    """The whole document."""

    campaign: CampaignSection
    salesperson_selection: SalespersonSelection = Field(default_factory=SalespersonSelection)
    lead_finding: LeadFinding = Field(default_factory=LeadFinding)
    distribution: DistributionSection
    tracking: Tracking = Field(default_factory=Tracking)
    execution: Execution = Field(default_factory=Execution)
    lead_source: LeadSource = Field(default_factory=RevopsSource)

    @model_validator(mode="after")
    def _salesforce_unassigned(self) -> DistributionConfigDoc:
        source = self.lead_source
        if source.type == "salesforce" and self.lead_finding.only_unassigned and not source.unassigned_owners:
            raise ValueError(
                "lead_source.unassigned_owners: required with lead_finding.only_unassigned "
                "(a Salesforce lead always has an owner: list the queue or user ids that mean unassigned)"
            )
        return self


def _dotted(loc: tuple[int | str, ...]) -> str:
    # pydantic puts the union member tried ("list[...]"), validator names and the lead source's
    # type tag (lead_source.odoo.url) in loc; drop them.
    parts = [str(p) for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))]
    if len(parts) > 1 and parts[0] == "lead_source" and parts[1] in SOURCE_TYPES:
        del parts[1]
    return ".".join(parts)


def _first_error(exc: ValidationError) -> ConfigError:
    errors = exc.errors(include_url=False)
    # A union (one strategy or a chain) reports each branch; the deepest path is the precise one.
    err = max(errors, key=lambda e: len(_dotted(e["loc"]).split(".")))
    path = _dotted(err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    # A model validator reports "key: message" for a key inside its section.
    sub = re.match(r"^([a-z_][a-z0-9_.]*): (.*)$", message, re.S)
    if sub:
        path = f"{path}.{sub.group(1)}" if path else sub.group(1)
        message = sub.group(2)
    if err["type"] == "extra_forbidden":
        message = "unknown key"
    elif err["type"] in ("union_tag_invalid", "union_tag_not_found"):
        path = f"{path}.type"
        tag = (err.get("ctx") or {}).get("tag", "")
        message = f"unknown type {tag!r} (choose from {', '.join(SOURCE_TYPES)})" if tag else "required"
    return ConfigError(path, message)


def interpolate(value: Any, env: Mapping[str, str], path: str = "") -> Any:
    """Replace `${NAME}` in every string of a parsed document; an unset name is an error."""
    if isinstance(value, dict):
        return {k: interpolate(v, env, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, f"{path}.{i}") for i, v in enumerate(value)]
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise ConfigError(path, f"environment variable {name} is not set")
            return env[name]

        return _ENV.sub(sub, value)
    return value


def parse_text(text: str) -> Any:
    """YAML or JSON text → plain data (JSON is YAML, but its errors read better)."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError("", f"not valid YAML/JSON: {exc}") from None


def validate(data: Any, *, env: Mapping[str, str] | None = None) -> DistributionConfigDoc:
    """Validate parsed data (after interpolation) into the typed document."""
    if not isinstance(data, dict):
        raise ConfigError("", "the document must be a mapping with the sections campaign, distribution, ...")
    data = interpolate(data, os.environ if env is None else env)
    try:
        return DistributionConfigDoc.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc) from None


def load_text(
    text: str, *, env: Mapping[str, str] | None = None, base_dir: Path | None = None
) -> DistributionConfigDoc:
    """Parse, interpolate, validate and check the files the document names."""
    doc = validate(parse_text(text), env=env)
    if base_dir is not None:
        for path, name in _named_files(doc):
            if not (base_dir / name).is_file():
                raise ConfigError(path, f"file not found: {name}")
    return doc


def load_file(path: Path, *, env: Mapping[str, str] | None = None) -> DistributionConfigDoc:
    if not path.is_file():
        raise ConfigError("", f"config file not found: {path.name}")
    return load_text(path.read_text(encoding="utf-8"), env=env, base_dir=path.parent)


def _named_files(doc: DistributionConfigDoc) -> list[tuple[str, str]]:
    files = []
    if doc.salesperson_selection.file:
        files.append(("salesperson_selection.file", doc.salesperson_selection.file))
    if doc.lead_finding.web_sources.file:
        files.append(("lead_finding.web_sources.file", doc.lead_finding.web_sources.file))
    return files


def read_lines(base_dir: Path | None, name: str, *, path: str) -> list[str]:
    """The non-empty, non-comment lines of a file the document names."""
    full = (base_dir or Path()) / name
    try:
        text = full.read_text(encoding="utf-8")
    except OSError:
        raise ConfigError(path, f"file not found: {name}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def dump(doc: DistributionConfigDoc) -> str:
    """The document as YAML (defaults included), for templates and the editor."""
    return yaml.safe_dump(doc.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
