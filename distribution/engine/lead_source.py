"""Where a configuration's leads live: revops (default), Odoo or Salesforce.

`lead_source.type` picks the section's shape:

- `revops`: the organization's leads (nothing else to say);
- `odoo`: `crm.lead` over XML-RPC — `url`, `database`, `username`, `password`, an extra
  search `domain` (Odoo prefix notation, checked here), `field_map` (our lead field → Odoo
  field), `user_map` (our rep's e-mail → Odoo user login or e-mail), `batch_size`;
- `salesforce`: `Lead` through the REST API — `instance_url`, `api_version`, a `session_id`
  or `username` + `password` + `security_token`, `where` (structured conditions the
  connector turns into SOQL; no free SOQL), `field_map`, `owner_map` (rep e-mail →
  Salesforce User e-mail or Id), `unassigned_owners` (queue or user ids whose leads count as
  unassigned: a Salesforce lead always has an owner).

Secrets are `SecretStr`: a dumped document (a run's snapshot) shows them as `**********`.
Write them as `${ENV_VAR}` so the stored document never holds them either.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
ODOO_OPERATORS = (
    "=",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "in",
    "not in",
    "like",
    "ilike",
    "not ilike",
    "=like",
    "=ilike",
    "child_of",
)
SOQL_OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "in", "not in", "like")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


class RevopsSource(_Section):
    type: Literal["revops"] = "revops"


class OdooFieldMap(_Section):
    """Our lead field → the `crm.lead` field holding it (empty: not read)."""

    name: str = "name"
    email: str = "email_from"
    phone: str = "phone"
    company: str = "partner_name"
    web_source: str = "source_id"
    campaign: str = "campaign_id"
    status: str = "stage_id"
    tags: str = "tag_ids"
    priority: str = "priority"
    do_not_call: str = ""
    created: str = "create_date"

    @model_validator(mode="after")
    def _identifiers(self) -> OdooFieldMap:
        for key, value in self.model_dump().items():
            if value and not _IDENT.match(value):
                raise ValueError(f"{key}: not a field name: {value!r}")
        return self


def _domain_term(domain: list[Any], i: int) -> int:
    """Check the term starting at `i` (prefix notation); the index after it."""
    if i >= len(domain):
        raise ValueError("domain: an operator is missing a term")
    item = domain[i]
    if item in ("&", "|"):
        return _domain_term(domain, _domain_term(domain, i + 1))
    if item == "!":
        return _domain_term(domain, i + 1)
    if not (isinstance(item, list) and len(item) == 3):
        raise ValueError(f"domain.{i}: expected '&', '|', '!' or [field, operator, value], got {item!r}")
    field, op, _value = item
    if not isinstance(field, str) or not _IDENT.match(field):
        raise ValueError(f"domain.{i}: not a field name: {field!r}")
    if op not in ODOO_OPERATORS:
        raise ValueError(f"domain.{i}: unknown operator {op!r} (choose from {', '.join(ODOO_OPERATORS)})")
    return i + 1


def _check_domain(domain: list[Any]) -> None:
    """Odoo prefix notation: '&' and '|' take two terms, '!' one; top-level terms are ANDed."""
    i = 0
    while i < len(domain):
        i = _domain_term(domain, i)


class OdooSource(_Section):
    type: Literal["odoo"]
    url: str
    database: str = Field(min_length=1)
    username: str = Field(min_length=1)
    password: SecretStr
    domain: list[Any] = Field(default_factory=list)
    field_map: OdooFieldMap = Field(default_factory=OdooFieldMap)
    user_map: dict[str, str] = Field(default_factory=dict)
    batch_size: int = Field(default=500, ge=1, le=5000)
    timeout: float = Field(default=30.0, gt=0, le=600)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)

    @model_validator(mode="after")
    def _domain_ok(self) -> OdooSource:
        _check_domain(self.domain)
        return self


class SalesforceFieldMap(_Section):
    """Our lead field → the `Lead` field holding it (empty: not read)."""

    name: str = "Name"
    email: str = "Email"
    phone: str = "Phone"
    company: str = "Company"
    web_source: str = "LeadSource"
    campaign: str = ""
    status: str = "Status"
    tags: str = ""
    priority: str = "Rating"
    do_not_call: str = "DoNotCall"
    created: str = "CreatedDate"

    @model_validator(mode="after")
    def _identifiers(self) -> SalesforceFieldMap:
        for key, value in self.model_dump().items():
            if value and not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", value):
                raise ValueError(f"{key}: not a field name: {value!r}")
        return self


Scalar = str | bool | int | float | dt.datetime | dt.date | None


class SoqlCondition(_Section):
    """One condition of the WHERE clause: `field op value` (all conditions are ANDed)."""

    field: str
    op: Literal["=", "!=", "<", "<=", ">", ">=", "in", "not in", "like"] = "="
    value: Scalar | list[Scalar]

    @field_validator("field")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", value):
            raise ValueError(f"not a field name: {value!r}")
        return value

    @model_validator(mode="after")
    def _list_for_in(self) -> SoqlCondition:
        if (self.op in ("in", "not in")) != isinstance(self.value, list):
            raise ValueError("value: a list with 'in' / 'not in', a single value otherwise")
        return self


class SalesforceSource(_Section):
    type: Literal["salesforce"]
    instance_url: str = ""
    api_version: str = Field(default="59.0", pattern=r"^\d{2,3}\.0$")
    session_id: SecretStr = SecretStr("")
    username: str = ""
    password: SecretStr = SecretStr("")
    security_token: SecretStr = SecretStr("")
    login_url: str = "https://login.salesforce.com"
    where: list[SoqlCondition] = Field(default_factory=list)
    field_map: SalesforceFieldMap = Field(default_factory=SalesforceFieldMap)
    rating_priority: dict[str, int] = Field(default_factory=lambda: {"Hot": 3, "Warm": 2, "Cold": 1})
    owner_map: dict[str, str] = Field(default_factory=dict)
    unassigned_owners: list[str] = Field(default_factory=list)
    batch_size: int = Field(default=200, ge=1, le=200)
    timeout: float = Field(default=30.0, gt=0, le=600)
    max_retries: int = Field(default=4, ge=0, le=10)
    ca_file: str = ""

    @model_validator(mode="after")
    def _credentials(self) -> SalesforceSource:
        if self.session_id.get_secret_value():
            if not self.instance_url:
                raise ValueError("instance_url: required with session_id")
            _check_url(self.instance_url)
        elif not (
            self.username and self.password.get_secret_value() and self.security_token.get_secret_value()
        ):
            raise ValueError(
                "session_id: give session_id and instance_url, or username, password and security_token"
            )
        _check_url(self.login_url)
        return self


LeadSource = Annotated[RevopsSource | OdooSource | SalesforceSource, Field(discriminator="type")]
SOURCE_TYPES = ("revops", "odoo", "salesforce")


def soql_literal(value: Scalar) -> str:
    """A value as SOQL text: quoted and escaped strings, bare booleans, numbers and dates."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def soql_condition(c: SoqlCondition) -> str:
    if isinstance(c.value, list):
        items = ", ".join(soql_literal(v) for v in c.value)
        return f"{c.field} {c.op.upper()} ({items})"
    return f"{c.field} {c.op.upper() if c.op == 'like' else c.op} {soql_literal(c.value)}"
