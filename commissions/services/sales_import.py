"""Sales data in any layout → SalesTransaction, through the core import framework.

One import kind (`sales`) for every door (upload page, API, admin, `manage.py import_sales`);
each source layout is an import profile (column map, delimiter and encoding, sheet and header
row, PDF tables, number and date formats, constants, value maps, key columns, a period given
at upload). Per row, the kind resolves:

- the rep: by `rep` (e-mail, full name, "Last, First" or an alias from RepAlias), else by
  `territory` (a ZIP code or region in the Territory table, for the row's product line first);
- the product line: by `product_line` (code or name), else by `product` (SKU or name), else by
  `service` (ServiceMapping: accounting exports name services, not products; a service that is
  a product's SKU or name maps to that product);
- the date: `date`, else the first day of `period` ("YYYY-MM", given at upload); `invoice_date`
  when the source has one (plans on the invoiced basis count the sale in that month);
- the amount: `sales_amount`, else `unit_price` × `quantity` × (1 − `discount`) for order
  lines that carry no amount (`discount` a fraction, 0.15 for 15 %; rounded to cents only
  when the profile declares `money_rounding: half_up`, otherwise refused past the cent);
- the sign: `sign` -1 (a value map from a type column, e.g. "Return" → -1) negates amounts;
- the status: a row whose `status` is `exclude` (a value map from the source's order status,
  e.g. "Cancelled" → exclude) is not a sale and is not imported: it is counted as `excluded`
  (the preview counts it as unchanged, with no amount in the totals) and nothing is written.

Rows are matched on `dedupe_key` (a column, or `key_columns` joined): a row already imported
with the same values is unchanged, with other values it is refused (a correction is a new
row, e.g. a return). Every written row records its upload and line.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator

from commissions.models import RepAlias, SalesTransaction, ServiceMapping, Territory
from commissions.permissions import CommissionCap
from revops.bulk import bulk_insert, rows_by_key
from revops.imports.fields import MAX_MONEY, MONEY_PLACES, TEXT, Day, ImportRow, Money, Quantity
from revops.imports.kinds import NO_SOURCE, Action, ImportKind, ImportSource, PlannedRow, Progress
from revops.imports.profiles import ProfileSpec, normalise_header, parse_number
from revops.models import Account, Membership, Organization, Product, ProductLine, Role

IMPORT_KIND = "sales"
EXCLUDE = "exclude"  # the `status` that keeps a row out (cancelled orders)
ERROR_NO_DATE = "give a date, or a period (the year and month of the upload)"
ERROR_PERIOD = "must be a month written YYYY-MM"
ERROR_NO_AMOUNT = "give a sales amount, or a unit price and a quantity"
ERROR_DISCOUNT = "must be a fraction from 0 to 1 (0.15 for 15 %)"
ERROR_PAST_CENT = (
    "unit price × quantity × (1 − discount) is {amount}, finer than a cent: "
    "the profile must declare money_rounding half_up"
)
# Unit prices and discounts carry more decimals than amounts (a price of 0.125, a 2.5 % discount).
PRICE_PLACES = 6
CENT = Decimal(1).scaleb(-MONEY_PLACES)
ONE = Decimal(1)  # the quantity of a row that gives none
MINUS = Decimal(-1)
# The columns a row's values fill, in the order `write` sends them.
WRITTEN = (
    "dedupe_key",
    "rep_id",
    "product_line_id",
    "product_id",
    "sku",
    "customer",
    "account_id",
    "document_number",
    "date",
    "invoice_date",
    "quantity",
    "sales_amount",
    "revenue_amount",
    "commission_base",
    "currency",
)
COMPARED = (
    "rep_id",
    "product_line_id",
    "date",
    "sales_amount",
    "revenue_amount",
    "commission_base",
    "quantity",
)


@functools.lru_cache(maxsize=65_536)
def key(value: object) -> str:
    """How names are compared: trimmed, inner whitespace collapsed, case-insensitive.

    Cached: a file names the same few hundred reps and lines on every row."""
    return normalise_header(value)


def _spec(info: ValidationInfo) -> ProfileSpec:
    return (info.context or {}).get("spec") or ProfileSpec()


def _to_price(value: Any, info: ValidationInfo) -> Decimal:
    return parse_number(value, _spec(info).number, places=PRICE_PLACES)


def _to_fraction(value: Any, info: ValidationInfo) -> Decimal:
    number = parse_number(value, _spec(info).number, places=PRICE_PLACES)
    if not 0 <= number <= 1:
        raise ValueError(ERROR_DISCOUNT)
    return number


UnitPrice = Annotated[Decimal, BeforeValidator(_to_price)]
Fraction = Annotated[Decimal, BeforeValidator(_to_fraction)]


class SalesRow(ImportRow):
    dedupe_key: Annotated[str, TEXT, Field(max_length=200)]
    period: Annotated[str, TEXT, Field(max_length=7)] | None = None
    date: Day | None = Field(default=None, validate_default=True)
    invoice_date: Day | None = None
    rep: Annotated[str, TEXT, Field(max_length=160)] | None = None
    territory: Annotated[str, TEXT, Field(max_length=40)] | None = None
    product_line: Annotated[str, TEXT, Field(max_length=120)] | None = None
    product: Annotated[str, TEXT, Field(max_length=160)] | None = None
    service: Annotated[str, TEXT, Field(max_length=160)] | None = None
    customer: Annotated[str, TEXT, Field(max_length=200)] | None = None
    account_external_id: Annotated[str, TEXT, Field(max_length=64)] | None = None
    document_number: Annotated[str, TEXT, Field(max_length=64)] | None = None
    quantity: Quantity | None = None
    unit_price: UnitPrice | None = None
    discount: Fraction | None = None
    # Declared after what it is computed from: its validator reads them.
    sales_amount: Money | None = Field(default=None, validate_default=True)
    revenue_amount: Money | None = None
    commission_base: Money | None = None
    currency: Annotated[str, TEXT, Field(min_length=3, max_length=3)] | None = None
    sign: Annotated[str, TEXT] | None = None
    # The source's order status after the profile's value map; "exclude" keeps the row out.
    status: Annotated[str, TEXT, Field(max_length=60)] | None = None

    @field_validator("period")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                dt.date.fromisoformat(f"{value}-01")
            except ValueError:
                raise ValueError(ERROR_PERIOD) from None
        return value

    @field_validator("date")
    @classmethod
    def _dated(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        if value is None and not info.data.get("period"):
            raise ValueError(ERROR_NO_DATE)
        return value

    @field_validator("sales_amount")
    @classmethod
    def _amount(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        """The amount given, or computed from the unit price, quantity and discount."""
        if value is not None:
            return value
        if "unit_price" not in info.data or "quantity" not in info.data:
            return None  # one of them is wrong; its own error says why
        price, quantity = info.data["unit_price"], info.data["quantity"]
        if price is None or quantity is None:
            raise ValueError(ERROR_NO_AMOUNT)
        exact = price * quantity * (1 - (info.data.get("discount") or 0))
        amount = exact.quantize(CENT, rounding=ROUND_HALF_UP)
        if amount != exact and _spec(info).money_rounding != "half_up":
            raise ValueError(ERROR_PAST_CENT.format(amount=exact.normalize()))
        if abs(amount) > MAX_MONEY:
            raise ValueError("is too large")
        return amount

    @field_validator("sign")
    @classmethod
    def _sign(cls, value: str | None) -> str | None:
        if value is not None and value not in ("1", "-1", "+1"):
            raise ValueError("must be 1 or -1 (map the source's values to them in the profile)")
        return value


@dataclass
class _Lookups:
    currency: str
    reps: dict[str, int] = field(default_factory=dict)
    territories: dict[tuple[str, int | None], int] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    line_names: dict[int, str] = field(default_factory=dict)
    products: dict[str, tuple[int, int]] = field(default_factory=dict)
    services: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)
    existing: dict[str, tuple] = field(default_factory=dict)


def rep_names(organization: Organization) -> dict[str, int]:
    reps: dict[str, int] = {}
    members = Membership.objects.filter(organization=organization, role=Role.REP, is_active=True).values_list(
        "user_id", "user__email", "user__first_name", "user__last_name"
    )
    for user_id, email, first, last in members:
        for name in (email, f"{first} {last}", f"{last}, {first}"):
            if name.strip(" ,"):
                reps.setdefault(key(name), user_id)
    for alias, user_id in RepAlias.objects.filter(organization=organization).values_list("alias", "rep_id"):
        reps[key(alias)] = user_id
    return reps


class SalesImport(ImportKind):
    name = IMPORT_KIND
    label = "Sales transactions"
    capability = CommissionCap.IMPORT
    audit_action = "sales.import"
    schema = SalesRow
    key_field = "dedupe_key"
    total_fields = ("sales_amount", "revenue_amount", "commission_base")
    default_profile = ProfileSpec()
    preview_fields = ("dedupe_key", "date", "rep_id", "product_line_id", "sales_amount")
    requires = ("territories", "accounts")
    example: ClassVar[dict[str, str]] = {
        "dedupe_key": "INV-1001-1",
        "date": "2026-01-15",
        "territory": "10115",
        "product_line": "analytics",
        "customer": "Initech",
        "account_external_id": "ACC-1",
        "document_number": "INV-1001",
        "quantity": "2",
        "unit_price": "600.00",
        "sales_amount": "1200.00",
    }
    column_notes: ClassVar[dict[str, str]] = {
        "dedupe_key": "Your id of the line; the dedupe key (a re-upload with other values is refused).",
        "period": "YYYY-MM, when the line has no date.",
        "rep": "E-mail, 'First Last', 'Last, First' or an alias of a rep; or leave it to the territory.",
        "territory": "A territory code naming the rep (for the line's product line, or for all).",
        "product_line": "Code or name of a product line (or give a product or a mapped service).",
        "sales_amount": "Blank: unit price × quantity × (1 − discount).",
        "sign": "1 or -1 (a return: every amount negated).",
        "status": "'exclude' keeps the row out (a cancelled order).",
    }

    def load(self, *, organization: Organization, rows: list[SalesRow]) -> _Lookups:  # type: ignore[override]
        lookups = _Lookups(currency=organization.currency, reps=rep_names(organization))
        for code, line_id, line_id_ in Territory.objects.filter(organization=organization).values_list(
            "code", "product_line_id", "rep_id"
        ):
            lookups.territories[(key(code), line_id)] = line_id_
        for line_id, code, name in ProductLine.objects.filter(organization=organization).values_list(
            "id", "code", "name"
        ):
            lookups.lines.setdefault(key(code), line_id)
            lookups.lines.setdefault(key(name), line_id)
            lookups.line_names[line_id] = name
        for product_id, line_id, sku, name in Product.objects.filter(organization=organization).values_list(
            "id", "product_line_id", "sku", "name"
        ):
            lookups.products.setdefault(key(sku), (product_id, line_id))
            lookups.products.setdefault(key(name), (product_id, line_id))
        for service, line_id, product_id in ServiceMapping.objects.filter(
            organization=organization
        ).values_list("service", "product_line_id", "product_id"):
            lookups.services[key(service)] = (line_id, product_id)
        self.load_more(organization=organization, context=lookups, rows=rows)
        return lookups

    def load_more(self, *, organization: Organization, context: _Lookups, rows: list[SalesRow]) -> None:  # type: ignore[override]
        wanted = {r.account_external_id for r in rows if r.account_external_id}
        if wanted:
            context.accounts.update(
                Account.objects.filter(organization=organization, external_id__in=wanted)
                .exclude(external_id="")
                .values_list("external_id", "id")
            )
        for found in rows_by_key(
            SalesTransaction,
            organization_id=organization.pk,
            key="dedupe_key",
            keys=[r.dedupe_key for r in rows],
            columns=(*COMPARED, "source_file", "source_row"),
        ):
            context.existing[found[0]] = found[1:]

    def _product_line(self, row: SalesRow, context: _Lookups, errors: list) -> tuple[int | None, int | None]:
        product_id = None
        line_id = None
        if row.product:
            found = context.products.get(key(row.product))
            if found:
                product_id, line_id = found
        if row.product_line:
            line_id = context.lines.get(key(row.product_line))
            if line_id is None:
                errors.append(("product_line", f"no product line named {row.product_line!r}"))
        elif line_id is None and row.service:
            mapped = context.services.get(key(row.service))
            if mapped is None and key(row.service) in context.products:  # the export names the SKU
                product_id, line_id = context.products[key(row.service)]
            elif mapped is None:
                errors.append(("service", f"no product line is mapped to the service {row.service!r}"))
            else:
                line_id, product_id = mapped
        elif line_id is None:
            if row.product:
                errors.append(("product", f"no product with SKU or name {row.product!r}"))
            else:
                errors.append(("product_line", "give a product_line, a product or a service"))
        return line_id, product_id

    def _rep(self, row: SalesRow, line_id: int | None, context: _Lookups, errors: list) -> int | None:
        if row.rep:
            rep_id = context.reps.get(key(row.rep))
            if rep_id is None:
                errors.append(("rep", f"no rep named {row.rep!r} (add an alias for this name)"))
            return rep_id
        if row.territory:
            code = key(row.territory)
            rep_id = context.territories.get((code, line_id)) or context.territories.get((code, None))
            if rep_id is None:
                line = context.line_names.get(line_id or 0, "any product line")
                errors.append(("territory", f"no rep has the territory {row.territory!r} for {line}"))
            return rep_id
        errors.append(("rep", "give a rep, or a territory that names one"))
        return None

    def resolve(self, row: SalesRow, context: _Lookups) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        if key(row.status or "") == EXCLUDE:
            # Not a sale (a cancelled order): nothing to resolve or write, nothing in the totals.
            return {"dedupe_key": row.dedupe_key, "excluded": True}, []
        errors: list[tuple[str, str]] = []
        line_id, product_id = self._product_line(row, context, errors)
        rep_id = self._rep(row, line_id, context, errors)
        account_id = None
        if row.account_external_id:
            account_id = context.accounts.get(row.account_external_id)
            if account_id is None:
                errors.append(
                    ("account_external_id", f"no account with external id {row.account_external_id!r}")
                )
        amount = row.sales_amount
        assert amount is not None  # the schema reads or computes it, or refuses the row
        revenue = row.revenue_amount if row.revenue_amount is not None else amount
        base = row.commission_base if row.commission_base is not None else amount
        quantity = row.quantity if row.quantity is not None else ONE
        sales = amount
        if row.sign == "-1":  # a return: every amount negated
            sales, revenue, base, quantity = amount * MINUS, revenue * MINUS, base * MINUS, quantity * MINUS
        day = row.date or dt.date.fromisoformat(f"{row.period}-01")
        values = {
            "dedupe_key": row.dedupe_key,
            "rep_id": rep_id,
            "product_line_id": line_id,
            "product_id": product_id,
            "sku": (row.product or row.service or "")[:60],
            "customer": row.customer or "",
            "account_id": account_id,
            "document_number": row.document_number or "",
            "date": day,
            "invoice_date": row.invoice_date,
            "quantity": quantity,
            "sales_amount": sales,
            "revenue_amount": revenue,
            "commission_base": base,
            "currency": (row.currency or context.currency).upper(),
        }
        existing = context.existing.get(row.dedupe_key)
        if (
            existing is not None
            and not errors
            and tuple(existing[: len(COMPARED)]) != tuple(values[f] for f in COMPARED)
        ):
            where = f"{existing[-2]} line {existing[-1]}" if existing[-2] else "an earlier import"
            errors.append(
                (
                    "dedupe_key",
                    f"{row.dedupe_key!r} was imported from {where} with other values; "
                    "a correction is a new row (a return or an adjustment)",
                )
            )
        return values, errors

    def plan(self, values: dict[str, Any], context: _Lookups) -> Action:  # type: ignore[override]
        if values.get("excluded") or values["dedupe_key"] in context.existing:
            return Action.UNCHANGED
        return Action.CREATE

    def write(  # type: ignore[override]
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: _Lookups,
        progress: Progress,
        source: ImportSource = NO_SOURCE,
    ) -> dict[str, int]:
        new = [row for row in rows if row.action == Action.CREATE]
        excluded = sum(1 for row in rows if row.values.get("excluded"))
        fields = ("organization_id", *WRITTEN, "source_job_id", "source_file", "source_row")
        filename = source.filename[:200]

        # One COPY on PostgreSQL: nothing else may use the connection while it runs, so the
        # progress is reported after it, not inside.
        rows_out = (
            (organization.pk, *(r.values[f] for f in WRITTEN), source.job_run_id, filename, r.line)
            for r in new
        )
        bulk_insert(SalesTransaction, fields, rows_out)
        progress(len(new), len(new))
        return {"transactions": len(new), "excluded": excluded}


SALES_IMPORT = SalesImport()
