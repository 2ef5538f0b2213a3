"""Sales data in several layouts → one harmonised table, all rows or none, through `import_sales`."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from commissions.models import RepAlias, SalesTransaction, ServiceMapping, Territory
from revops.models import AuditEvent, ImportProfile, JobRun
from tests.revops.factories import MembershipFactory, ProductFactory, ProductLineFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(org):
    return {
        "alpha": ProductLineFactory(organization=org, name="Alpha Line", code="alpha"),
        "beta": ProductLineFactory(organization=org, name="Beta Line", code="beta"),
    }


@pytest.fixture
def seller(org, manager):
    user = UserFactory(email="jane.doe@acme.test", first_name="Jane", last_name="Doe")
    return MembershipFactory(organization=org, user=user, role="rep", team="East", manager=manager)


def _profile(org, name, **spec):
    return ImportProfile.objects.create(organization=org, kind="sales", name=name, spec=spec)


def _import(tmp_path, org, name, content: bytes, *args, filename="sales.csv"):
    path = tmp_path / filename
    path.write_bytes(content)
    call_command("import_sales", str(path), "--org", org.slug, "--profile", name, *args)


SEMICOLON_LATIN1 = (
    "Beleg;Pos;Datum;Verkäufer;Sparte;Kunde;Umsatz;Art\n"
    "R-100;1;03.02.2026;J. Doe;Alpha Line;Müller GmbH;1.234,56;Verkauf\n"
    "R-100;2;03.02.2026;J. Doe;Beta Line;Müller GmbH;2.000,00;Verkauf\n"
    "R-101;1;17.02.2026;Jane Doe;alpha;Schmidt AG;100,00;Gutschrift\n"
).encode("latin-1")

SEMICOLON_PROFILE = {
    "delimiter": ";",
    "encoding": "latin-1",
    "columns": {
        "date": "Datum",
        "rep": "Verkäufer",
        "product_line": "Sparte",
        "customer": "Kunde",
        "sales_amount": "Umsatz",
        "document_number": "Beleg",
        "sign": "Art",
    },
    "key_columns": ["Beleg", "Pos"],
    "number": {"decimal": ",", "thousands": "."},
    "date_formats": ["%d.%m.%Y"],
    "value_maps": {"sign": {"Verkauf": "1", "Gutschrift": "-1"}},
}


def test_a_layout_of_its_own_imports_to_the_harmonised_table(tmp_path, org, lines, seller):
    # given: a German export: semicolons, Latin-1, 1.234,56, day-first dates, a credit note
    RepAlias.objects.create(organization=org, alias="J. Doe", rep=seller.user)
    _profile(org, "erp-de", **SEMICOLON_PROFILE)
    # when
    _import(tmp_path, org, "erp-de", SEMICOLON_LATIN1, filename="erp.csv")
    # then: amounts read by the declared format, the credit negated, names resolved
    rows = list(SalesTransaction.objects.order_by("source_row"))
    assert [(r.dedupe_key, r.date, r.product_line.code, r.sales_amount, r.commission_base) for r in rows] == [
        ("R-100|1", dt.date(2026, 2, 3), "alpha", Decimal("1234.56"), Decimal("1234.56")),
        ("R-100|2", dt.date(2026, 2, 3), "beta", Decimal("2000.00"), Decimal("2000.00")),
        ("R-101|1", dt.date(2026, 2, 17), "alpha", Decimal("-100.00"), Decimal("-100.00")),
    ]
    assert {r.rep_id for r in rows} == {seller.user_id}
    assert sum(r.sales_amount for r in rows) == Decimal("3134.56")  # the file's 1,234.56 + 2,000 − 100
    # every row knows its upload and line
    job = JobRun.objects.get(kind="import.sales", status=JobRun.Status.SUCCEEDED)
    assert {(r.source_job_id, r.source_file) for r in rows} == {(job.pk, "erp.csv")}
    assert [r.source_row for r in rows] == [2, 3, 4]
    assert [r.currency for r in rows] == [org.currency] * 3
    assert AuditEvent.objects.filter(organization=org, action="sales.import").count() == 1


def test_the_same_file_twice_adds_nothing(tmp_path, org, lines, seller):
    # given
    RepAlias.objects.create(organization=org, alias="J. Doe", rep=seller.user)
    _profile(org, "erp-de", **SEMICOLON_PROFILE)
    _import(tmp_path, org, "erp-de", SEMICOLON_LATIN1)
    # when: the same rows again, in a file saved under another name with a trailing blank line
    _import(tmp_path, org, "erp-de", SEMICOLON_LATIN1 + b"\n", filename="erp-copy.csv")
    # then
    assert SalesTransaction.objects.count() == 3
    assert set(SalesTransaction.objects.values_list("source_file", flat=True)) == {"sales.csv"}


def test_a_known_key_with_other_values_is_refused_and_nothing_is_written(tmp_path, org, lines, seller):
    # given
    RepAlias.objects.create(organization=org, alias="J. Doe", rep=seller.user)
    _profile(org, "erp-de", **SEMICOLON_PROFILE)
    _import(tmp_path, org, "erp-de", SEMICOLON_LATIN1)
    before = list(SalesTransaction.objects.values_list("dedupe_key", "sales_amount"))
    changed = SEMICOLON_LATIN1.replace(
        b"2.000,00", b"2.500,00"
    ) + "R-102;1;20.02.2026;J. Doe;alpha;X;5,00;Verkauf\n".encode("latin-1")
    # when / then
    with pytest.raises(CommandError, match="1 problem"):
        _import(tmp_path, org, "erp-de", changed)
    assert list(SalesTransaction.objects.values_list("dedupe_key", "sales_amount")) == before


def test_row_errors_name_the_line_and_field_and_write_nothing(tmp_path, org, lines, seller, capsys):
    # given: an unknown rep, text in an amount, an unknown product line, a missing date
    _profile(org, "plain")
    content = (
        b"dedupe_key,date,rep,product_line,sales_amount\n"
        b"A1,2026-01-05,jane.doe@acme.test,alpha,100.00\n"
        b"A2,2026-01-06,Nobody Known,alpha,100.00\n"
        b"A3,2026-01-07,jane.doe@acme.test,alpha,lots\n"
        b"A4,2026-01-08,jane.doe@acme.test,gamma,100.00\n"
        b"A5,,jane.doe@acme.test,beta,100.00\n"
    )
    # when
    with pytest.raises(CommandError, match="4 problem"):
        _import(tmp_path, org, "plain", content)
    # then
    errors = capsys.readouterr().err
    assert "line 3, rep: no rep named 'Nobody Known' (add an alias for this name)" in errors
    assert "line 4, sales_amount: 'lots' is not a number in the format 1,234.56" in errors
    assert "line 5, product_line: no product line named 'gamma'" in errors
    assert (
        "line 6, date: Value error, give a date, or a period" in errors
        or "line 6, date: give a date" in errors
    )
    assert SalesTransaction.objects.count() == 0


def test_territories_services_and_a_period_given_at_upload(tmp_path, org, lines, seller, rep):
    # given: an accounting export without dates, naming services and ZIP codes
    Territory.objects.create(organization=org, code="10115", rep=seller.user)
    Territory.objects.create(organization=org, code="10115", product_line=lines["beta"], rep=rep.user)
    ServiceMapping.objects.create(organization=org, service="Support Hours", product_line=lines["beta"])
    product = ProductFactory(organization=org, product_line=lines["alpha"], sku="ALP-1", name="Alpha One")
    _profile(
        org,
        "accounting",
        columns={"dedupe_key": "Invoice", "territory": "ZIP", "service": "Item", "sales_amount": "Net"},
        period_at_upload=True,
    )
    content = b"Invoice,ZIP,Item,Net\nINV-1,10115,Support Hours,500.00\nINV-2,10115,ALP-1,250.00\n"
    # when: without the period, the command asks for it
    with pytest.raises(CommandError, match="give --year and --month"):
        _import(tmp_path, org, "accounting", content)
    _import(tmp_path, org, "accounting", content, "--year", "2026", "--month", "3")
    # then: the service maps to Beta (whose ZIP belongs to `rep`), the SKU to Alpha (the all-lines owner)
    rows = {r.dedupe_key: r for r in SalesTransaction.objects.all()}
    assert (rows["INV-1"].product_line_id, rows["INV-1"].rep_id) == (lines["beta"].pk, rep.user_id)
    assert (rows["INV-2"].product_line_id, rows["INV-2"].product_id, rows["INV-2"].rep_id) == (
        lines["alpha"].pk,
        product.pk,
        seller.user_id,
    )
    assert {r.date for r in rows.values()} == {dt.date(2026, 3, 1)}


def test_amounts_with_more_than_cents_need_a_declared_rounding(tmp_path, org, lines, seller):
    # given: a source with four decimals, as spreadsheets of unit prices × quantities have
    content = (
        b"dedupe_key,date,rep,product_line,sales_amount,quantity\nS1,2026-01-05,Jane Doe,alpha,957.5775,3\n"
    )
    _profile(org, "strict")
    _profile(org, "rounded", money_rounding="half_up")
    # when / then: refused unless the profile says how to round
    with pytest.raises(CommandError):
        _import(tmp_path, org, "strict", content)
    assert SalesTransaction.objects.count() == 0
    _import(tmp_path, org, "rounded", content)
    assert SalesTransaction.objects.get().sales_amount == Decimal("957.58")
    assert SalesTransaction.objects.get().quantity == Decimal("3")


def test_another_organization_s_names_resolve_to_nothing(tmp_path, org, other_org, lines, seller):
    # given: the other organization's profile and product line, but this organization's rep name
    ProductLineFactory(organization=other_org, name="Alpha Line", code="alpha")
    ImportProfile.objects.create(organization=other_org, kind="sales", name="plain", spec={})
    content = b"dedupe_key,date,rep,product_line,sales_amount\nX1,2026-01-05,Jane Doe,alpha,10.00\n"
    # when / then
    with pytest.raises(CommandError, match="1 problem"):
        _import(tmp_path, other_org, "plain", content)
    assert SalesTransaction.objects.count() == 0


ORDER_LINES = (
    b"order,product,unit price,qty,discount\n"
    b"10248,ALP-1,14.00,12,0\n"
    b"10249,ALP-1,18.60,9,0.15\n"
    b"10250,ALP-1,42.40,35,0.25\n"
)


def test_order_lines_without_an_amount_are_priced_unit_price_times_quantity_less_discount(
    tmp_path, org, lines, seller
):
    # given: order lines that carry a unit price, a quantity and a discount, but no amount
    ProductFactory(organization=org, product_line=lines["alpha"], sku="ALP-1", name="Alpha One")
    _profile(
        org,
        "order-lines",
        columns={"product": "product", "unit_price": "unit price", "quantity": "qty", "discount": "discount"},
        key_columns=["order", "product"],
        constants={"rep": "Jane Doe", "date": "2026-01-31"},
        money_rounding="half_up",
    )
    # when
    _import(tmp_path, org, "order-lines", ORDER_LINES)
    # then: 14 × 12 = 168; 18.60 × 9 × 0.85 = 142.29; 42.40 × 35 × 0.75 = 1113.00
    rows = list(SalesTransaction.objects.order_by("source_row").values_list("sales_amount", "quantity"))
    assert rows == [
        (Decimal("168.00"), Decimal("12")),
        (Decimal("142.29"), Decimal("9")),
        (Decimal("1113.00"), Decimal("35")),
    ]


def test_a_computed_amount_finer_than_a_cent_needs_a_declared_rounding(tmp_path, org, lines, seller, capsys):
    # given: 18.60 × 9 × 0.85 = 142.29 exactly, but 14.15 × 3 × 0.95 = 40.3275
    content = ORDER_LINES + b"10251,ALP-1,14.15,3,0.05\n10252,ALP-1,,3,0\n10253,ALP-1,1.00,3,1.5\n"
    ProductFactory(organization=org, product_line=lines["alpha"], sku="ALP-1", name="Alpha One")
    _profile(
        org,
        "order-lines",
        columns={"product": "product", "unit_price": "unit price", "quantity": "qty", "discount": "discount"},
        key_columns=["order", "product"],
        constants={"rep": "Jane Doe", "date": "2026-01-31"},
    )
    # when
    with pytest.raises(CommandError, match="3 problem"):
        _import(tmp_path, org, "order-lines", content)
    # then: each row names its problem; nothing was written
    errors = capsys.readouterr().err
    assert (
        "line 5, sales_amount: unit price × quantity × (1 − discount) is 40.3275, finer than a cent: "
        "the profile must declare money_rounding half_up"
    ) in errors
    assert "line 6, sales_amount: give a sales amount, or a unit price and a quantity" in errors
    assert "line 7, discount: must be a fraction from 0 to 1 (0.15 for 15 %)" in errors
    assert SalesTransaction.objects.count() == 0


def test_a_file_over_the_import_limit_is_refused_before_it_is_stored(tmp_path, org, lines, seller, settings):
    # given: a limit of one megabyte and a file just over it
    settings.REVOPS_IMPORT_MAX_MB = 1
    _profile(org, "plain")
    row = b"S1,2026-01-05,Jane Doe,alpha,10.00\n"
    content = b"dedupe_key,date,rep,product_line,sales_amount\n" + row * (1024 * 1024 // len(row) + 1)
    # when / then
    with pytest.raises(CommandError, match="larger than 1 MB"):
        _import(tmp_path, org, "plain", content)
    assert (JobRun.objects.count(), SalesTransaction.objects.count()) == (0, 0)


STATUS_LINES = (
    b"Order,Line,Date,Rep,Line name,Amount,Status\n"
    b"5001,1,2026-02-03,Jane Doe,alpha,100.00,Shipped\n"
    b"5001,2,2026-02-03,Jane Doe,beta,250.00,Cancelled\n"
    b"5002,1,2026-02-04,Nobody Known,alpha,999.00,cancelled\n"
    b"5003,1,2026-02-05,Jane Doe,alpha,40.00,On Hold\n"
)


def test_cancelled_order_lines_are_not_imported_as_sales(tmp_path, org, lines, seller):
    # given: a profile mapping the order status "Cancelled" to exclude
    _profile(
        org,
        "orders",
        columns={
            "date": "Date",
            "rep": "Rep",
            "product_line": "Line name",
            "sales_amount": "Amount",
            "document_number": "Order",
            "status": "Status",
        },
        key_columns=["Order", "Line"],
        value_maps={"status": {"Cancelled": "exclude"}},
    )
    # when: the cancelled lines (one naming a rep nobody knows) are in the file
    _import(tmp_path, org, "orders", STATUS_LINES)
    # then: only the other lines are sales; the cancelled ones are not even resolved
    assert sorted(SalesTransaction.objects.values_list("dedupe_key", "sales_amount")) == [
        ("5001|1", Decimal("100.00")),
        ("5003|1", Decimal("40.00")),
    ]
    audit = AuditEvent.objects.get(action="sales.import")
    assert (audit.after["create"], audit.after["unchanged"], audit.after["excluded"]) == (2, 2, 2)
    assert audit.after["total_sales_amount"] == "140.00"
