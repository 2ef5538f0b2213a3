"""Import an arbitrary CRM opportunity export with a YAML mapping file: all rows or none.

The mapping (`CrmMapping`) names the file's columns for each field, maps its stage values
onto ours (which are won, which lost), gives the date formats, constants for columns the
file lacks, and extra columns to keep as model features (``attributes``). Accounts, owners
and product lines are matched by name and created when missing (owners as rep members who
cannot sign in); each opportunity gets a stage history — its open stage from the created
day, then won or lost on the close day — so the win model learns from it as of past days.
Every row is checked first; any problem refuses the file with each problem's line and field,
and nothing is written. A deal whose external id is already there is left alone (a re-run
imports nothing twice).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Literal

import pandas as pd
import yaml
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from forecasting.models import OpportunityAttributes
from revops.models import (
    Account,
    Membership,
    Opportunity,
    OpportunityStageChange,
    Organization,
    ProductLine,
    Role,
)
from revops.models.crm import CLOSED_STAGES, OPEN_STAGES, Region, Segment, Stage
from revops.money import quantize_money
from revops.services.audit import audit_record

ROW_NUMBER = "__row__"
MAX_ERRORS = 50  # problems listed before "… and N more"
FIELDS = (
    "external_id",
    "name",
    "account",
    "owner",
    "stage",
    "amount",
    "created_date",
    "close_date",
    "expected_close_date",
    "product_line",
    "lead_source",
    "segment",
    "region",
    "industry",
)
Progress = Callable[[int, int], None]


class AmountLookup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    values: dict[str, str]


class CrmMapping(BaseModel):
    """The YAML mapping file (see `examples/forecasting/*.yaml` and docs/forecasting.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = "utf-8"
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    columns: dict[Literal[FIELDS], str] = Field(default_factory=dict)  # type: ignore[valid-type]
    stages: dict[str, Stage] = Field(default_factory=dict, description="file value → stage")
    constants: dict[Literal[FIELDS], str] = Field(default_factory=dict)  # type: ignore[valid-type]
    segments: dict[str, Segment] = Field(default_factory=dict)
    regions: dict[str, Region] = Field(default_factory=dict)
    attributes: tuple[str, ...] = ()
    # The open stage a closed deal is recorded in from its created day until it closed.
    closed_deals_opened_in: Stage = Stage.QUALIFICATION
    # When a deal has no created date: use its close date minus this many days, or refuse.
    created_fallback_days: int | None = None
    # Domain of the e-mail addresses given to owners created by the import.
    owner_email_domain: str = "crm-import.invalid"
    # Amount read from another column through a table (e.g. the product's list price), for
    # exports whose value column is only filled once a deal is won (which would leak the outcome).
    amount_lookup: AmountLookup | None = None
    # Amounts for rows whose amount cell is empty (e.g. open deals without a value yet).
    empty_amount: str | None = None

    @classmethod
    def from_yaml(cls, text: str) -> CrmMapping:
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ValidationError(f"The mapping file is not valid YAML: {exc}") from exc
        try:
            return cls.model_validate(data)
        except PydanticError as exc:
            problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
            raise ValidationError([f"Mapping: {p}" for p in problems]) from exc


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)

    external_id: str
    name: str
    account: str
    owner: str
    stage: Stage
    amount: Decimal
    created_date: dt.date
    close_date: dt.date | None
    expected_close_date: dt.date | None
    product_line: str
    lead_source: str
    segment: str
    region: str
    industry: str
    attributes: dict[str, str]


def _date(value: str, formats: tuple[str, ...]) -> dt.date:
    for fmt in formats:
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date in the format {' or '.join(formats)}")


def crm_rows(content: bytes, mapping: CrmMapping) -> tuple[list[_Row], list[str]]:
    """Every row parsed and checked; (rows, problems) — problems name line and field."""
    try:
        frame = pd.read_csv(
            io.BytesIO(content),
            sep=mapping.delimiter,
            dtype=str,
            keep_default_na=False,
            encoding=mapping.encoding,
        )
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        return [], [f"The file cannot be read as {mapping.encoding} CSV: {exc}"]
    frame.columns = [str(c).strip() for c in frame.columns]
    # A file without an id column: "__row__" numbers the rows (1 = the first data row).
    frame[ROW_NUMBER] = [str(i + 1) for i in range(len(frame))]
    lookup = [mapping.amount_lookup.column] if mapping.amount_lookup else []
    missing = [c for c in [*mapping.columns.values(), *mapping.attributes, *lookup] if c not in frame.columns]
    if missing:
        return [], [f"Missing column(s): {', '.join(sorted(set(missing)))}"]
    for required in ("external_id", "stage"):
        if required not in mapping.columns:
            return [], [f"The mapping must name the column of {required!r}."]
    stage_of = {k.strip().lower(): v for k, v in mapping.stages.items()}
    rows: list[_Row] = []
    problems: list[str] = []
    seen: set[str] = set()
    records = frame.to_dict("records")
    for n, rec in enumerate(records):
        line = n + 2

        def cell(field: str, rec=rec) -> str:
            column = mapping.columns.get(field)
            value = str(rec[column]).strip() if column else ""
            return value or mapping.constants.get(field, "")

        errors: list[str] = []

        def parse_date(field: str, errors=errors, line=line) -> dt.date | None:
            raw = cell(field)
            if not raw:
                return None
            try:
                return _date(raw, mapping.date_formats)
            except ValueError as exc:
                errors.append(f"Line {line}, {field}: {exc}")
                return None

        external_id = cell("external_id")
        if not external_id:
            errors.append(f"Line {line}, external_id: is empty")
        elif external_id in seen:
            errors.append(f"Line {line}, external_id: {external_id!r} appears twice in the file")
        seen.add(external_id)
        raw_stage = cell("stage")
        stage = stage_of.get(raw_stage.lower()) or (raw_stage if raw_stage in Stage.values else None)
        if stage is None:
            errors.append(f"Line {line}, stage: {raw_stage!r} is not in the mapping's stages")
        if mapping.amount_lookup is not None:
            key = str(rec[mapping.amount_lookup.column]).strip()
            raw_amount = mapping.amount_lookup.values.get(key, "")
            if not raw_amount:
                errors.append(f"Line {line}, amount: {key!r} is not in the mapping's amount_lookup")
                raw_amount = "0"
        else:
            raw_amount = cell("amount") or (mapping.empty_amount or "")
        try:
            amount = quantize_money(Decimal(raw_amount.replace(",", ""))) if raw_amount else None
        except InvalidOperation:
            amount = None
            errors.append(f"Line {line}, amount: {raw_amount!r} is not a number")
        if raw_amount == "":
            errors.append(f"Line {line}, amount: is empty (set empty_amount in the mapping to allow it)")
        elif amount is not None and amount < 0:
            errors.append(f"Line {line}, amount: must not be negative")
        created = parse_date("created_date")
        close = parse_date("close_date")
        expected = parse_date("expected_close_date")
        if created is None and close is not None and mapping.created_fallback_days is not None:
            created = close - dt.timedelta(days=mapping.created_fallback_days)
        if created is None and not any("created_date" in e for e in errors):
            errors.append(f"Line {line}, created_date: is empty")
        if stage in CLOSED_STAGES and close is None and not any("close_date" in e for e in errors):
            errors.append(f"Line {line}, close_date: is required for a won or lost deal")
        if stage in OPEN_STAGES:
            close = None
        if created and close and close < created:
            errors.append(f"Line {line}, close_date: {close} is before the created date {created}")
        if errors:
            problems.extend(errors)
            continue
        assert stage is not None and created is not None and amount is not None
        rows.append(
            _Row(
                external_id=external_id[:64],
                name=(cell("name") or external_id)[:200],
                account=cell("account")[:200],
                owner=cell("owner")[:150],
                stage=stage,
                amount=amount,
                created_date=created,
                close_date=close,
                expected_close_date=expected,
                product_line=cell("product_line")[:120],
                lead_source=cell("lead_source")[:60],
                segment=mapping.segments.get(
                    cell("segment"), cell("segment") if cell("segment") in Segment.values else ""
                ),
                region=mapping.regions.get(
                    cell("region"), cell("region") if cell("region") in Region.values else ""
                ),
                industry=cell("industry")[:100],
                attributes={a: str(rec[a]).strip() for a in mapping.attributes},
            )
        )
    return rows, problems


def crm_opportunities_import(
    *,
    organization: Organization,
    content: bytes,
    mapping: CrmMapping,
    actor=None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Import the file as ``mapping`` describes it; ValidationError (nothing written) on any problem."""
    rows, problems = crm_rows(content, mapping)
    if problems:
        shown = problems[:MAX_ERRORS]
        if len(problems) > MAX_ERRORS:
            shown.append(f"… and {len(problems) - MAX_ERRORS} more")
        raise ValidationError(shown)
    existing = set(
        Opportunity.objects.filter(organization=organization, external_id__in=[r.external_id for r in rows])
        .exclude(external_id="")
        .values_list("external_id", flat=True)
    )
    new = [r for r in rows if r.external_id not in existing]
    with transaction.atomic():
        accounts = _accounts(organization, new)
        owners = _owners(organization, new, mapping.owner_email_domain)
        lines = _product_lines(organization, new)
        opps = [
            Opportunity(
                organization=organization,
                account_id=accounts[r.account or "(no account)"],
                owner_id=owners.get(r.owner),
                name=r.name,
                stage=r.stage,
                amount=r.amount,
                currency=organization.currency,
                created_date=r.created_date,
                expected_close_date=r.expected_close_date or r.close_date,
                close_date=r.close_date,
                product_line_id=lines.get(r.product_line),
                lead_source=r.lead_source,
                external_id=r.external_id,
            )
            for r in new
        ]
        for opp in opps[:1]:
            opp.full_clean(exclude=["account", "owner", "product_line"])
        Opportunity.objects.bulk_create(opps, batch_size=500)
        moves = []
        attrs = []
        for r, opp in zip(new, opps, strict=True):
            first = r.stage if r.stage in OPEN_STAGES else mapping.closed_deals_opened_in
            moves.append(_move(opp, "", first, r.created_date))
            if r.close_date is not None:
                moves.append(_move(opp, first, r.stage, r.close_date))
            if r.attributes:
                attrs.append(
                    OpportunityAttributes(organization=organization, opportunity=opp, values=r.attributes)
                )
        OpportunityStageChange.objects.bulk_create(moves, batch_size=1000)
        OpportunityAttributes.objects.bulk_create(attrs, batch_size=1000)
        counts = {"rows": len(rows), "created": len(new), "existing": len(existing), "owners": len(owners)}
        audit_record(
            organization=organization,
            actor=actor,
            action="forecasting.crm_import",
            object_type="revops.opportunity",
            after=counts,
        )
    if progress:
        progress(len(rows), len(rows))
    return counts


def _move(opp: Opportunity, from_stage: str, to_stage: str, day: dt.date) -> OpportunityStageChange:
    return OpportunityStageChange(
        organization_id=opp.organization_id,
        opportunity=opp,
        from_stage=from_stage,
        to_stage=to_stage,
        amount=opp.amount,
        changed_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
    )


def _accounts(organization: Organization, rows: list[_Row]) -> dict[str, int]:
    wanted: dict[str, _Row] = {}
    for r in rows:
        wanted.setdefault(r.account or "(no account)", r)
    found = dict(
        Account.objects.filter(organization=organization, name__in=list(wanted)).values_list("name", "id")
    )
    Account.objects.bulk_create(
        [
            Account(
                organization=organization,
                name=name,
                segment=r.segment,
                region=r.region,
                industry=r.industry,
                external_id=f"crm:{slugify(name)}"[:64] if name != "(no account)" else "crm:none",
            )
            for name, r in wanted.items()
            if name not in found
        ]
    )
    return dict(
        Account.objects.filter(organization=organization, name__in=list(wanted)).values_list("name", "id")
    )


def _owners(organization: Organization, rows: list[_Row], domain: str) -> dict[str, int]:
    """Owner name → user id: members whose full name or e-mail matches, else a new rep."""
    names = sorted({r.owner for r in rows if r.owner})
    if not names:
        return {}
    User = get_user_model()
    members = Membership.objects.filter(organization=organization).select_related("user")
    known: dict[str, int] = {}
    for m in members:
        for key in (m.user.get_full_name(), m.user.email):
            if key:
                known[key.lower()] = m.user_id
    out = {}
    for name in names:
        uid = known.get(name.lower())
        if uid is None:
            email = f"{slugify(name) or 'owner'}.{organization.slug}@{domain}".lower()
            first, _, last = name.partition(" ")
            user, _ = User.objects.get_or_create(
                email=email, defaults={"first_name": first[:150], "last_name": last[:150]}
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            Membership.objects.get_or_create(
                organization=organization, user=user, defaults={"role": Role.REP}
            )
            uid = user.pk
        out[name] = uid
    return out


def _product_lines(organization: Organization, rows: list[_Row]) -> dict[str, int]:
    names = sorted({r.product_line for r in rows if r.product_line})
    found = dict(
        ProductLine.objects.filter(organization=organization, name__in=names).values_list("name", "id")
    )
    ProductLine.objects.bulk_create(
        [
            ProductLine(organization=organization, name=n, code=slugify(n)[:40] or "line")
            for n in names
            if n not in found
        ]
    )
    return dict(
        ProductLine.objects.filter(organization=organization, name__in=names).values_list("name", "id")
    )
