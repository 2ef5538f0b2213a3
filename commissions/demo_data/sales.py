"""The demo's sales, before they are written into source files: one row per invoice line.

Every deal won in the history months becomes one or two invoice lines (products of its line,
parts summing to the deal amount exactly) on its close date, in the source system of the
owner's team (or the reseller's, for its last months); about one line in 25 is credited
later (a return or a partial credit). The accounting system adds last month's services
billing, named by service and customer ZIP code. Reads the database, writes nothing; the
same context draws the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from commissions.demo_data.book import RepNames, add_months, history_months, rep_names, service_name
from commissions.models import Territory
from revops.demo import SeedContext
from revops.models import Account, Opportunity, Product, ProductLine
from revops.models.crm import Stage
from revops.money import quantize_money

SPLIT_SHARE = 0.3  # deals invoiced as two lines (a main product and an add-on)
MAIN_PART = (0.55, 0.85)
CREDIT_SHARE = 0.04
FULL_RETURN_SHARE = 0.3  # of the credits; the others credit 10-50 %
CREDIT_DELAY_DAYS = (7, 45)
# The channel report's commissionable amount: revenue less the partner's margin.
CHANNEL_COMMISSIONABLE = Decimal("0.90")
SERVICES_ROWS_PER_REP = (0, 2)
SERVICE_FEE_SHARE = (0.05, 0.25)  # of the product's list price
SKU_AS_SERVICE_SHARE = 0.1  # the accounting system names a few items by SKU

# Which source system records the sales of each team (a team not listed: by its position).
SOURCE_BY_TEAM: dict[str, dict[str, str]] = {
    "acme": {
        "NA East": "crm",
        "NA West": "crm",
        "NA Central": "billing",
        "EMEA": "erp",
        "APAC": "reseller",
        "LATAM": "channel",
    },
    "globex": {
        "DACH": "erp",
        "UK & Ireland": "crm",
        "Nordics": "billing",
        "Southern Europe": "channel",
        "North America": "crm",
        "APAC": "reseller",
    },
}
DEAL_SOURCES = ("crm", "erp", "billing", "channel", "reseller")
# The reseller's team has sold through it for the last few months (its monthly PDF statements);
# its earlier deals are in the CRM. Also keeps the PDF, the slowest file to read, short.
RESELLER_MONTHS = 5
SERVICES_SOURCE = "services"


@dataclass(frozen=True)
class DemoSale:
    """One invoice line as the demo generated it; amounts are negative for a credit."""

    source: str
    document: str
    line: int
    day: dt.date
    rep_id: int
    product_line_id: int
    product_id: int
    account_id: int | None
    quantity: Decimal
    amount: Decimal
    commission_base: Decimal
    credit: bool = False
    service: str = ""  # the accounting system's name of the item (services source)
    zip_code: str = ""  # the customer's ZIP code (services source)


class LineNames(NamedTuple):
    code: str
    name: str


class ProductNames(NamedTuple):
    sku: str
    name: str
    line_id: int
    list_price: Decimal


class AccountNames(NamedTuple):
    name: str
    external_id: str


NO_ACCOUNT = AccountNames("", "")


@dataclass
class Catalog:
    """The names the sources write, loaded once: reps, product lines, products, accounts."""

    reps: dict[int, RepNames]
    lines: dict[int, LineNames]
    products: dict[int, ProductNames]
    accounts: dict[int, AccountNames]
    zip_codes: dict[int, list[str]] = field(default_factory=dict)  # rep → territory codes

    @classmethod
    def load(cls, ctx: SeedContext) -> Catalog:
        org = ctx.organization
        zip_codes: dict[int, list[str]] = defaultdict(list)
        for code, rep_id in (
            Territory.objects.filter(organization=org, product_line=None)
            .order_by("code")
            .values_list("code", "rep_id")
        ):
            zip_codes[rep_id].append(code)
        return cls(
            reps=rep_names(ctx),
            lines={
                pk: LineNames(code, name)
                for pk, code, name in ProductLine.objects.filter(organization=org).values_list(
                    "pk", "code", "name"
                )
            },
            products={
                pk: ProductNames(sku, name, line_id, price)
                for pk, sku, name, line_id, price in Product.objects.filter(organization=org)
                .order_by("sku")
                .values_list("pk", "sku", "name", "product_line_id", "list_price")
            },
            accounts={
                pk: AccountNames(name, external_id)
                for pk, name, external_id in Account.objects.filter(organization=org).values_list(
                    "pk", "name", "external_id"
                )
            },
            zip_codes=dict(zip_codes),
        )

    def source_of(self, ctx: SeedContext, rep_id: int) -> str:
        team = self.reps[rep_id].team
        routes = SOURCE_BY_TEAM.get(ctx.spec.slug, {})
        if team in routes:
            return routes[team]
        teams = [t.name for t in ctx.spec.teams]
        return DEAL_SOURCES[teams.index(team) % len(DEAL_SOURCES)] if team in teams else DEAL_SOURCES[0]


def _parts(ctx: SeedContext, amount: Decimal, products: list[int]) -> list[tuple[int, Decimal]]:
    """The deal's invoice lines: (product, amount), summing to the deal amount."""
    rng = ctx.rng
    main = rng.choice(products)
    if len(products) < 2 or rng.random() >= SPLIT_SHARE:
        return [(main, amount)]
    first = quantize_money(amount * Decimal(str(round(rng.uniform(*MAIN_PART), 4))))
    add_on = rng.choice([p for p in products if p != main])
    return [(main, first), (add_on, amount - first)]


def _quantity(amount: Decimal, list_price: Decimal) -> Decimal:
    return Decimal(max(1, min(50, round(amount / list_price)))) if list_price > 0 else Decimal(1)


def _credit(ctx: SeedContext, sale: DemoSale) -> DemoSale | None:
    """A later credit of part or all of `sale`, or None when it would fall after today."""
    rng = ctx.rng
    day = sale.day + dt.timedelta(days=rng.randint(*CREDIT_DELAY_DAYS))
    full = rng.random() < FULL_RETURN_SHARE
    share = Decimal(1) if full else Decimal(str(round(rng.uniform(0.1, 0.5), 2)))
    if day > ctx.today:
        return None
    amount = quantize_money(sale.amount * share)
    base = quantize_money(sale.commission_base * share)
    return DemoSale(
        source=sale.source,
        document=sale.document,
        line=sale.line,
        day=day,
        rep_id=sale.rep_id,
        product_line_id=sale.product_line_id,
        product_id=sale.product_id,
        account_id=sale.account_id,
        quantity=-(sale.quantity if full else Decimal(1)),
        amount=-amount,
        commission_base=-base,
        credit=True,
    )


def _balanced(sources: list[str]) -> list[str]:
    """Every deal source gets a deal: a source no team's deals reach (a small demo) takes the
    last deal of the busiest one."""
    sources = list(sources)
    for empty in DEAL_SOURCES:
        counts = Counter(sources)
        if counts[empty]:
            continue
        busiest = max(sorted(counts), key=counts.__getitem__, default=None)
        if busiest is None or counts[busiest] < 2:
            break
        sources[len(sources) - 1 - sources[::-1].index(busiest)] = empty
    return sources


def _deal_sales(ctx: SeedContext, catalog: Catalog, since: dt.date) -> list[DemoSale]:
    products_by_line: dict[int, list[int]] = defaultdict(list)
    for product_id, product in catalog.products.items():
        products_by_line[product.line_id].append(product_id)
    won = Opportunity.objects.filter(
        organization=ctx.organization,
        stage=Stage.CLOSED_WON,
        close_date__gte=since,
        close_date__lte=ctx.today,
    ).order_by("external_id")
    deals = [
        deal
        for deal in won.values_list(
            "external_id", "owner_id", "account_id", "product_line_id", "amount", "close_date"
        )
        if deal[1] in catalog.reps and products_by_line.get(deal[3])
    ]
    reseller_since = add_months(ctx.today.replace(day=1), 1 - RESELLER_MONTHS)
    sources = _balanced(
        [
            "crm" if source == "reseller" and deal[5] < reseller_since else source
            for deal, source in ((deal, catalog.source_of(ctx, deal[1])) for deal in deals)
        ]
    )
    sales: list[DemoSale] = []
    credits: list[DemoSale] = []
    for (external_id, owner_id, account_id, line_id, amount, close_date), source in zip(
        deals, sources, strict=True
    ):
        number = external_id.rsplit("-", 1)[-1].lstrip("0") or "0"
        for position, (product_id, part) in enumerate(
            _parts(ctx, amount, products_by_line[line_id]), start=1
        ):
            base = quantize_money(part * CHANNEL_COMMISSIONABLE) if source == "channel" else part
            sale = DemoSale(
                source=source,
                document=number,
                line=position,
                day=close_date,
                rep_id=owner_id,
                product_line_id=line_id,
                product_id=product_id,
                account_id=account_id,
                quantity=_quantity(part, catalog.products[product_id].list_price),
                amount=part,
                commission_base=base,
            )
            sales.append(sale)
            if ctx.rng.random() < CREDIT_SHARE:
                credit = _credit(ctx, sale)
                if credit is not None:
                    credits.append(credit)
    return sales + credits


def services_month(ctx: SeedContext) -> dt.date:
    """The month the accounting system's services export covers: last month."""
    return add_months(ctx.today.replace(day=1), -1)


def _services_billing(ctx: SeedContext, catalog: Catalog, assigned: dict[int, set[int]]) -> list[DemoSale]:
    """Last month's services billing: a few items per rep, for the lines they sell."""
    rng = ctx.rng
    month = services_month(ctx)
    sales = []
    for rep_id in sorted(catalog.reps, key=lambda r: catalog.reps[r].number):
        lines = assigned.get(rep_id, set())
        products = [pk for pk, product in catalog.products.items() if product.line_id in lines]
        zip_codes = catalog.zip_codes.get(rep_id)
        if not products or not zip_codes:
            continue
        for _ in range(rng.randint(*SERVICES_ROWS_PER_REP)):
            product_id = rng.choice(products)
            sku, name, line_id, price = catalog.products[product_id]
            quantity = rng.randint(1, 3)
            fee = quantize_money(round(float(price) * rng.uniform(*SERVICE_FEE_SHARE) / 10) * 10)
            code = catalog.lines[line_id].code
            sales.append(
                DemoSale(
                    source=SERVICES_SOURCE,
                    document=f"AC-{month:%y%m}-{len(sales) + 1:04d}",
                    line=1,
                    day=month,
                    rep_id=rep_id,
                    product_line_id=line_id,
                    product_id=product_id,
                    account_id=None,
                    quantity=Decimal(quantity),
                    amount=fee * quantity,
                    commission_base=fee * quantity,
                    service=sku if rng.random() < SKU_AS_SERVICE_SHARE else service_name(name, code),
                    zip_code=rng.choice(zip_codes),
                )
            )
    return sales


def demo_sales(
    ctx: SeedContext, catalog: Catalog, assigned: dict[int, set[int]]
) -> dict[str, list[DemoSale]]:
    """The generated sales by source, each in date order; `assigned`: the lines each rep sells."""
    first_month = history_months(ctx)[0]
    by_source: dict[str, list[DemoSale]] = defaultdict(list)
    for sale in _deal_sales(ctx, catalog, first_month) + _services_billing(ctx, catalog, assigned):
        by_source[sale.source].append(sale)
    return {
        source: sorted(rows, key=lambda s: (s.day, s.credit, s.document, s.line))
        for source, rows in sorted(by_source.items())
    }
