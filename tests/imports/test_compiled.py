"""The compiled fast path and pydantic read the same files into the same rows and the same errors."""

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commissions.services.objectives_import import ObjectiveRow
from commissions.services.sales_import import SALES_IMPORT, SalesRow
from revops.imports.compiled import compile_rows
from revops.imports.kinds import import_kind_get
from revops.imports.pipeline import import_prepare
from revops.imports.profiles import NumberFormat, ProfileSpec
from revops.imports.readers import open_table
from revops.services.opportunity_import import OPPORTUNITY_IMPORT
from tests.revops.factories import (
    AccountFactory,
    MembershipFactory,
    ProductLineFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def prepared_both_ways(kind, organization, content: bytes, spec: ProfileSpec) -> tuple:
    """What import_prepare gives through the fast path and through pydantic only, comparable."""
    results = []
    for compiled in (True, False):
        try:
            prepared = import_prepare(
                kind=kind, organization=organization, content=content, spec=spec, compiled=compiled
            )
        except Exception as exc:  # the file refused: both ways must refuse it the same
            results.append(("refused", type(exc).__name__, str(exc), getattr(exc, "errors", None)))
            continue
        preview = prepared.preview
        results.append(
            (
                preview.as_dict(),
                [
                    (p.line, p.action, {k: (type(v).__name__, repr(v)) for k, v in p.values.items()})
                    for p in prepared.planned
                ],
            )
        )
    return results[0], results[1]


def as_csv(header: list[str], rows: list[list[str]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture
def sales_world(org, manager):
    ProductLineFactory(organization=org, name="Alpha Line", code="alpha")
    ProductLineFactory(organization=org, name="Beta Line", code="beta")
    user = UserFactory(email="jane.doe@acme.test", first_name="Jane", last_name="Doe")
    MembershipFactory(organization=org, user=user, role="rep", team="East", manager=manager)
    AccountFactory(organization=org, name="Initech", external_id="ACC-1")
    return org


TEXTS = st.sampled_from(
    ["", " ", "Acme", "  Müller GmbH ", "a\x07bell", "x" * 201, "Customer 7", "=SUM(A1)", "\t"]
)
KEYS = st.sampled_from(["1", "2", "3", " 4 ", "", "A-1", "k" * 201, "5"])
DATES = st.sampled_from(["2026-01-31", "2026-02-30", "31.01.2026", "", "2026-1-5", "46023", " 2026-03-01 "])
REPS = st.sampled_from(
    ["jane.doe@acme.test", "Jane Doe", "Doe, Jane", "JANE DOE", "nobody", "", "  jane  doe "]
)
LINES = st.sampled_from(["alpha", "Beta Line", "BETA", "gamma", ""])
AMOUNTS = st.sampled_from(
    [
        "1234.56",
        "1,234.56",
        "-5",
        "+7.5",
        " 12 ",
        "12.345",
        "12.3400",
        "abc",
        "",
        "1e5",
        "NaN",
        "\u0661\u0662",
        "1.234,56",
        "99999999999999999",
        "0.00",
        "-0",
    ]
)
SIGNS = st.sampled_from(["Sale", "Return", "", "refund", "1", "-1"])
ACCOUNTS = st.sampled_from(["", "ACC-1", "ACC-9"])
QUANTITIES = st.sampled_from(["", "2", "1.5", "0.00001", "x"])
SALES_ROW = st.tuples(KEYS, DATES, REPS, LINES, TEXTS, AMOUNTS, SIGNS, ACCOUNTS, QUANTITIES)
SALES_SPECS = st.sampled_from(
    [
        ProfileSpec(value_maps={"sign": {"Sale": "1", "Return": "-1"}}),
        ProfileSpec(number=NumberFormat(decimal=",", thousands="."), date_formats=("%d.%m.%Y", "%Y-%m-%d")),
        ProfileSpec(key_columns=("id", "customer"), excel_serial_dates=True),
        ProfileSpec(constants={"currency": "EUR"}, money_rounding="half_up"),
        ProfileSpec(constants={"period": "2026-02"}, columns={"sales_amount": "amount"}),
    ]
)
SALES_HEADER = [
    "id",
    "date",
    "rep",
    "product_line",
    "customer",
    "sales_amount",
    "sign",
    "account_external_id",
    "quantity",
]


@SETTINGS
@given(
    rows=st.lists(SALES_ROW, min_size=1, max_size=25), spec=SALES_SPECS, drop=st.sampled_from([None, 1, 5, 6])
)
def test_sales_files_give_the_same_rows_and_errors_both_ways(sales_world, rows, spec, drop):
    # given: a sales file with good and bad values, in one of several profiles
    header = list(SALES_HEADER)
    if spec.columns.get("sales_amount"):
        header[5] = spec.columns["sales_amount"]
    if spec.key_columns:
        header[0] = "id"
    body = [list(r) for r in rows]
    if drop is not None:  # a file without one of the optional columns
        header.pop(drop)
        for r in body:
            r.pop(drop)
    content = as_csv(header, body)
    # when / then
    fast, general = prepared_both_ways(SALES_IMPORT, sales_world, content, spec)
    assert fast == general


OPP_ROW = st.tuples(
    KEYS,
    TEXTS,
    ACCOUNTS,
    st.sampled_from(["rep1@acme.test", "", "ghost@acme.test"]),
    st.sampled_from(["Prospecting", "closed won", "Won", "", "Closed Lost"]),
    AMOUNTS,
    st.sampled_from(["", "usd", "EURO", "eu1"]),
    DATES,
    DATES,
)


@SETTINGS
@given(rows=st.lists(OPP_ROW, min_size=1, max_size=20))
def test_opportunity_files_give_the_same_rows_and_errors_both_ways(org, rep, catalog, rows):
    # given: opportunities whose schema rewrites values in its validators (stage names, cents)
    header = [
        "external_id",
        "name",
        "account_external_id",
        "owner_email",
        "stage",
        "amount",
        "currency",
        "created_date",
        "close_date",
    ]
    content = as_csv(header, [list(r) for r in rows], delimiter=";")
    # when / then
    fast, general = prepared_both_ways(OPPORTUNITY_IMPORT, org, content, ProfileSpec(delimiter=";"))
    assert fast == general


@pytest.mark.parametrize("kind_name", ["payments", "revenue_events", "touchpoints", "leads", "objectives"])
def test_every_kind_reads_the_same_file_the_same_both_ways(org, rep, kind_name):
    # given: a file with the kind's columns, one good row, one bad and one half-empty
    kind = import_kind_get(kind_name)
    header = kind.fields()
    good = ["1", "2026-01-31", "10.00", "x", "rep1@acme.test"] * 5
    bad = ["", "2026-02-30", "ten", "y" * 300, ""] * 5
    half = ["3", "", "", "", "2026-03-01"] * 5
    content = as_csv(header, [good[: len(header)], bad[: len(header)], half[: len(header)]])
    # when / then
    fast, general = prepared_both_ways(kind, org, content, kind.default_profile)
    assert fast == general


def test_a_plain_file_takes_the_fast_path_and_builds_the_model_pydantic_builds():
    # given: a plain sales file
    spec = ProfileSpec(key_columns=("id",))
    table = open_table(
        b"id,date,rep,product_line,customer,sales_amount\n7,2026-03-04,jane.doe@acme.test,alpha,Acme,12.50\n",
        spec,
    )
    compiled = compile_rows(SalesRow, spec, table.headers, "dedupe_key")
    line, cells = next(table.records)
    # when
    fast = compiled.build(cells)
    general = SalesRow.model_validate(
        {"dedupe_key": "7", **{k: v for k, v in table.as_dict(cells).items() if k != "id"}},
        context={"spec": spec},
    )
    # then: the same model, down to which fields the row gave
    assert line == 2
    assert fast == general
    assert fast.model_fields_set == general.model_fields_set
    assert repr(fast.sales_amount) == "Decimal('12.50')"


def test_a_row_the_fast_path_cannot_read_is_left_to_pydantic():
    # given: an amount that is not a number
    spec = ProfileSpec()
    table = open_table(b"dedupe_key,date,rep,product_line,sales_amount\n7,2026-03-04,a,b,ten\n", spec)
    compiled = compile_rows(SalesRow, spec, table.headers, "dedupe_key")
    # when / then: no row, and no error decided by the fast path
    assert compiled.build(next(table.records)[1]) is None


def test_a_schema_with_model_validators_of_its_own_is_not_compiled():
    # given: objectives, whose schema joins three columns in a model validator
    spec = ProfileSpec()
    # when / then
    assert compile_rows(ObjectiveRow, spec, ["rep", "product_line", "month", "amount"], "cell") is None
