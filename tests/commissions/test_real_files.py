"""Public sample order lines import through the example profiles in examples/commissions/, and
the harmonised totals equal the source files' own totals, computed here with csv and Decimal.

The files live beside the repository (`../shared/data`, or the directory named by the
environment variable REVOPS_SAMPLE_DATA); see each folder's SOURCE.md.
"""

import csv
import datetime as dt
import json
import os
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from commissions.models import SalesTransaction, Territory
from revops.models import ImportProfile, Role
from tests.revops.factories import MembershipFactory, ProductLineFactory, UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = Path(settings.BASE_DIR) / "examples" / "commissions"
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def data_dir() -> Path:
    path = Path(os.environ.get("REVOPS_SAMPLE_DATA") or Path(settings.BASE_DIR).parent / "shared" / "data")
    if not path.is_dir():
        pytest.fail(f"The sample data is not at {path}: put it there or set REVOPS_SAMPLE_DATA.")
    return path


def _rows(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _reference_tables(org, manager, lines: list[str], territories: dict[str, str]) -> dict[str, int]:
    """Product lines by name, and one rep per territory code (for every line); rep ids by code."""
    for name in lines:
        ProductLineFactory(organization=org, name=name, code=name.lower().replace(" ", "-")[:40])
    reps = {}
    for code, full_name in territories.items():
        first, last = full_name.split(" ", 1)
        user = UserFactory(
            email=f"{first.lower()}.{last.lower()}@acme.test", first_name=first, last_name=last
        )
        MembershipFactory(organization=org, user=user, role=Role.REP, manager=manager, team="East")
        Territory.objects.create(organization=org, code=code, rep=user)
        reps[code] = user.pk
    return reps


def _import(org, profile_file: str, source: Path, *period: str) -> None:
    name = profile_file.removesuffix(".json")
    spec = json.loads((EXAMPLES / profile_file).read_text())
    ImportProfile.objects.create(organization=org, kind="sales", name=name, spec=spec)
    call_command("import_sales", str(source), "--org", org.slug, "--profile", name, *period)


def _imported(org, field: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for key, amount in SalesTransaction.objects.filter(organization=org).values_list(field, "sales_amount"):
        totals[key] += amount
    return dict(totals)


def test_superstore_order_lines_by_region(org, manager, data_dir):
    # given: the three categories as product lines, the four regions' managers as reps
    source = data_dir / "superstore" / "Sample - Superstore.csv"
    rows = _rows(source)
    reps = _reference_tables(
        org,
        manager,
        ["Furniture", "Office Supplies", "Technology"],
        {
            "West": "Anna Andreadi",
            "East": "Chuck Magee",
            "Central": "Kelly Williams",
            "South": "Cassandra Brandow",
        },
    )
    # when
    _import(org, "superstore.json", source)
    # then: every line, its Sales rounded half up to the cent, by category and by region's rep
    expected_lines: dict[str, Decimal] = defaultdict(Decimal)
    expected_reps: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        amount = _half_up(Decimal(row["Sales"]))
        expected_lines[row["Category"]] += amount
        expected_reps[reps[row["Region"]]] += amount
    assert SalesTransaction.objects.count() == len(rows) == 9994
    assert _imported(org, "product_line__name") == expected_lines
    assert _imported(org, "rep_id") == expected_reps
    assert sum(expected_lines.values()) == Decimal("2297201.07")
    first = SalesTransaction.objects.get(dedupe_key="CA-2018-152156|1")
    assert (first.date, first.sku, first.quantity, first.source_row) == (
        dt.date(2018, 11, 8),
        "FUR-BO-10001798",
        Decimal("2"),
        2,
    )


def test_classic_models_order_lines_by_territory(org, manager, data_dir):
    # given: the seven product lines, one rep per sales territory
    source = data_dir / "sample_sales_data" / "sales_data_sample.csv"
    rows = _rows(source)
    lines = sorted({row["PRODUCTLINE"] for row in rows})
    reps = _reference_tables(
        org,
        manager,
        lines,
        {"NA": "Nora Ames", "EMEA": "Emil Meyer", "APAC": "Aiko Park", "Japan": "Jun Tanaka"},
    )
    # when
    _import(org, "sample-sales-data.json", source)
    # then: SALES as the file writes it (cents already), by product line and territory, without
    # the cancelled order lines (not sales)
    expected_lines: dict[str, Decimal] = defaultdict(Decimal)
    expected_reps: dict[int, Decimal] = defaultdict(Decimal)
    kept = [row for row in rows if row["STATUS"] != "Cancelled"]
    for row in kept:
        amount = Decimal(row["SALES"])
        assert amount == _half_up(amount)
        expected_lines[row["PRODUCTLINE"]] += amount
        expected_reps[reps[row["TERRITORY"]]] += amount
    assert len(rows) == 2823
    assert SalesTransaction.objects.count() == len(kept) == 2763
    assert _imported(org, "product_line__name") == expected_lines
    assert _imported(org, "rep_id") == expected_reps
    assert sum(expected_lines.values()) == Decimal("9838141.37")
    assert SalesTransaction.objects.get(dedupe_key="10107|2").date == dt.date(2003, 2, 24)
    cancelled = {
        f"{row['ORDERNUMBER']}|{row['ORDERLINENUMBER']}" for row in rows if row["STATUS"] == "Cancelled"
    }
    assert len(cancelled) == 60
    assert not SalesTransaction.objects.filter(dedupe_key__in=cancelled).exists()


def test_northwind_order_details_priced_from_unit_price_quantity_and_discount(org, manager, data_dir):
    # given: the eight categories as product lines, one rep for the Northwind territory
    folder = data_dir / "northwind"
    categories = {row["categoryID"]: row["categoryName"] for row in _rows(folder / "categories.csv")}
    category_of = {row["productID"]: categories[row["categoryID"]] for row in _rows(folder / "products.csv")}
    _reference_tables(org, manager, sorted(categories.values()), {"Northwind": "Nancy Davolio"})
    rows = _rows(folder / "order-details.csv")
    # when: the lines carry no date; the upload names the month they are credited to
    _import(
        org, "northwind-order-details.json", folder / "order-details.csv", "--year", "2026", "--month", "1"
    )
    # then: unit price × quantity × (1 − discount), rounded half up per line
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        exact = Decimal(row["unitPrice"]) * Decimal(row["quantity"]) * (1 - Decimal(row["discount"]))
        expected[category_of[row["productID"]]] += _half_up(exact)
    assert SalesTransaction.objects.count() == len(rows) == 2155
    assert _imported(org, "product_line__name") == expected
    assert sum(expected.values()) == Decimal("1265793.29")
    assert set(SalesTransaction.objects.values_list("date", flat=True)) == {dt.date(2026, 1, 1)}
    line = SalesTransaction.objects.get(dedupe_key="10248|11")
    assert (line.sku, line.quantity, line.sales_amount) == ("11", Decimal("12"), Decimal("168.00"))
