"""Demo catalog (product lines, products) and customer accounts."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from revops.demo.context import SeedContext
from revops.demo.names import company_name
from revops.demo.specs import COMPANY_QUALIFIERS, COMPANY_SUFFIXES, COMPANY_WORDS, INDUSTRIES, SEGMENT_WEIGHTS
from revops.models import Account, Product, ProductLine

BATCH_SIZE = 1000
ACCOUNT_ID_PREFIX = "DEMO-ACC-"


def seed_catalog(ctx: SeedContext) -> dict[str, int]:
    """The organization's product lines, each with a few products at list prices."""
    org, spec = ctx.organization, ctx.spec
    lines = ProductLine.objects.bulk_create(
        ProductLine(organization=org, name=line.name, code=line.code) for line in spec.product_lines
    )
    products = []
    for line_spec, line in zip(spec.product_lines, lines, strict=True):
        for number, (name, price) in enumerate(line_spec.products, start=1):
            products.append(
                Product(
                    organization=org,
                    product_line=line,
                    name=name,
                    sku=f"{spec.sku_prefix}-{line_spec.code[:3].upper()}-{number:03d}",
                    list_price=Decimal(price).quantize(Decimal("0.01")),
                    is_active=not (number == len(line_spec.products) and ctx.rng.random() < 0.2),
                )
            )
    Product.objects.bulk_create(products)
    return {"product_lines": len(lines), "products": len(products)}


def accounts_generate(ctx: SeedContext, *, start: int, count: int) -> int:
    """Create accounts numbered start+1..start+count; owners are reps of the account's region."""
    org, spec, rng = ctx.organization, ctx.spec, ctx.rng
    owners_by_region = defaultdict(list)
    for rep in ctx.reps():
        region = next(t.region for t in spec.teams if t.name == rep.team)
        owners_by_region[region].append(rep.user_id)
    all_owners = [uid for uids in owners_by_region.values() for uid in uids]
    used_names = set(
        Account.objects.filter(organization=org, external_id__startswith=ACCOUNT_ID_PREFIX).values_list(
            "name", flat=True
        )
    )
    regions, region_weights = zip(*spec.region_weights.items(), strict=True)
    segments, segment_weights = zip(*SEGMENT_WEIGHTS.items(), strict=True)
    batch = []
    for index in range(start + 1, start + count + 1):
        name = company_name(
            rng,
            words=COMPANY_WORDS,
            qualifiers=COMPANY_QUALIFIERS,
            suffixes=COMPANY_SUFFIXES,
            used=used_names,
        )
        used_names.add(name)
        region = rng.choices(regions, weights=region_weights)[0]
        batch.append(
            Account(
                organization=org,
                name=name,
                domain=f"{name.lower().replace(' ', '').replace('&', 'and')}.example",
                industry=rng.choice(INDUSTRIES),
                segment=rng.choices(segments, weights=segment_weights)[0],
                region=region,
                owner_id=rng.choice(owners_by_region.get(region) or all_owners),
                external_id=f"{ACCOUNT_ID_PREFIX}{index:06d}",
            )
        )
        if len(batch) >= BATCH_SIZE:
            Account.objects.bulk_create(batch)
            batch = []
    Account.objects.bulk_create(batch)
    return count


def seed_accounts(ctx: SeedContext) -> dict[str, int]:
    """About 400 customer accounts (times the scale) across industries, regions and segments."""
    return {"accounts": accounts_generate(ctx, start=0, count=ctx.scaled(ctx.spec.accounts))}
