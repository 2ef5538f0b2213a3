"""The pipeline on the opportunity kind: every profile feature, preview, dedupe, all or nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DataError

from revops.imports import pipeline as pipeline_module
from revops.imports.errors import ImportRefused
from revops.imports.pipeline import import_prepare
from revops.imports.profiles import NumberFormat, ProfileSpec
from revops.models import AuditEvent, JobRun, Opportunity, OpportunityStageChange
from revops.services import opportunity_import as opportunity_module
from revops.services.imports import Mode, import_job_run, import_submit
from revops.services.opportunity_import import OPPORTUNITY_IMPORT, opportunity_import
from tests.imports.files import xlsx
from tests.revops.factories import AccountFactory, OpportunityFactory
from tests.revops.test_imports import csv_text, row

EUROPEAN = ProfileSpec(
    delimiter=";", number=NumberFormat(decimal=",", thousands="."), date_formats=("%d.%m.%Y",)
)


def state() -> tuple:
    """Everything an import may write, to prove a refused one wrote nothing."""
    return (
        sorted(Opportunity.objects.values_list("external_id", "name", "stage", "amount")),
        OpportunityStageChange.objects.count(),
        AuditEvent.objects.filter(action="opportunity.import").count(),
    )


def test_xlsx_profile_with_sheet_header_row_column_map_serial_dates_constants_and_value_maps(
    org, manager, catalog
):
    # given: a German CRM export, second sheet, header on row 2, serial dates, its own stage names
    content = xlsx(
        {
            "Info": [["Export"]],
            "Deals": [
                ["Vertriebsprojekte"],
                ["Deal-Nr", "Titel", "Kunde", "Phase", "Wert", "Angelegt", "Abschluss"],
                ["D-1", "Rahmenvertrag", "ACC-1", "Angebot", "1.234,56", 46082, None],
                ["D-2", "Lizenz", "ACC-1", "Gewonnen", 99.5, 46023, dt.datetime(2026, 3, 31)],
            ],
        }
    )
    spec = ProfileSpec(
        format="xlsx",
        sheet="Deals",
        header_row=2,
        columns={
            "external_id": "Deal-Nr",
            "name": "Titel",
            "account_external_id": "Kunde",
            "stage": "Phase",
            "amount": "Wert",
            "created_date": "Angelegt",
            "close_date": "Abschluss",
        },
        number=NumberFormat(decimal=",", thousands="."),
        excel_serial_dates=True,
        constants={"currency": "EUR", "lead_source": "CRM export"},
        value_maps={"stage": {"Angebot": "proposal", "Gewonnen": "closed_won"}},
    )
    # when
    preview = opportunity_import(organization=org, content=content, actor=manager.user, spec=spec)
    # then
    assert (preview.counts, preview.totals) == (
        {"create": 2, "update": 0, "unchanged": 0},
        {"amount": Decimal("1334.06")},
    )
    rows = Opportunity.objects.order_by("external_id").values_list(
        "external_id", "name", "stage", "amount", "currency", "created_date", "close_date", "lead_source"
    )
    assert list(rows) == [
        (
            "D-1",
            "Rahmenvertrag",
            "proposal",
            Decimal("1234.56"),
            "EUR",
            dt.date(2026, 3, 1),
            None,
            "CRM export",
        ),
        (
            "D-2",
            "Lizenz",
            "closed_won",
            Decimal("99.50"),
            "EUR",
            dt.date(2026, 1, 1),
            dt.date(2026, 3, 31),
            "CRM export",
        ),
    ]


def test_european_csv_profile_reads_comma_decimals(org, manager, catalog):
    # given
    content = (
        "external_id;name;account_external_id;stage;amount;created_date\n"
        "E-1;Eins;ACC-1;proposal;1.000,50;05.01.2026\n"
        "E-2;Zwei;ACC-1;proposal;1,5;06.01.2026\n"
    ).encode("latin-1")
    # when
    opportunity_import(organization=org, content=content, actor=manager.user, spec=EUROPEAN)
    # then
    assert sorted(Opportunity.objects.values_list("external_id", "amount", "created_date")) == [
        ("E-1", Decimal("1000.50"), dt.date(2026, 1, 5)),
        ("E-2", Decimal("1.50"), dt.date(2026, 1, 6)),
    ]


def test_dollar_amounts_with_a_declared_symbol(org, manager, catalog):
    # given
    content = csv_text([row(amount="$1,234"), row(external_id="OPP-2", amount="$ 99.90")]).encode()
    spec = ProfileSpec(number=NumberFormat(symbols=("$",)))
    # when
    opportunity_import(organization=org, content=content, actor=manager.user, spec=spec)
    # then
    assert sorted(Opportunity.objects.values_list("external_id", "amount")) == [
        ("OPP-1", Decimal("1234.00")),
        ("OPP-2", Decimal("99.90")),
    ]


@pytest.mark.parametrize(
    ("_case", "amount", "error"),
    [
        # Before: commas were stripped, so this was stored as 1.00 ...
        (
            "european_thousands",
            "1.000,50",
            "line 2, amount: '1.000,50' is not a number in the format 1,234.56",
        ),
        # ... this as 15.00 ...
        ("decimal_comma", "1,5", "line 2, amount: '1,5' is not a number in the format 1,234.56"),
        # ... and this rounded silently.
        ("three_decimals", "10.005", "line 2, amount: '10.005' has more than 2 decimal places"),
    ],
)
def test_the_builtin_profile_refuses_numbers_it_would_have_to_guess(
    _case, amount, error, org, manager, catalog
):
    # given
    content = csv_text([row(amount=amount)]).encode()
    before = state()
    # when
    with pytest.raises(ImportRefused) as refused:
        opportunity_import(organization=org, content=content, actor=manager.user)
    # then
    assert refused.value.errors == [error]
    assert state() == before


def test_preview_counts_totals_and_rows_without_writing(org, manager, rep, catalog):
    # given: one row unchanged, one updated, two new, one bad
    account, _line = catalog
    OpportunityFactory(
        organization=org, account=account, owner=rep.user, external_id="OPP-SAME", name="Same",
        stage="prospecting", amount=Decimal("100.00"), currency="USD", created_date=dt.date(2026, 1, 2),
        expected_close_date=None, close_date=None, product_line=None, lead_source="",
    )  # fmt: skip
    OpportunityFactory(organization=org, account=account, external_id="OPP-OLD", stage="qualification")
    content = csv_text(
        [
            row(external_id="OPP-SAME", name="Same", stage="prospecting", amount="100.00", created_date="2026-01-02",
                expected_close_date="", product_line_code="", lead_source=""),
            row(external_id="OPP-OLD", amount="2,000.00"),
            row(external_id="OPP-NEW-1", amount="10.10"),
            row(external_id="OPP-NEW-2", amount="0.90"),
            row(external_id="OPP-BAD", amount="1,5"),
        ]
    ).encode()  # fmt: skip
    before = state()
    # when
    prepared = import_prepare(
        kind=OPPORTUNITY_IMPORT, organization=org, content=content, spec=OPPORTUNITY_IMPORT.default_profile
    )
    # then
    preview = prepared.preview
    assert (preview.rows, preview.counts, preview.totals, preview.error_count) == (
        5,
        {"create": 2, "update": 1, "unchanged": 1},
        {"amount": Decimal("2111.00")},
        1,
    )
    assert preview.errors == ["line 6, amount: '1,5' is not a number in the format 1,234.56"]
    assert [(s["line"], s["action"], s["values"][0]) for s in preview.sample] == [
        (2, "unchanged", "OPP-SAME"),
        (3, "update", "OPP-OLD"),
        (4, "create", "OPP-NEW-1"),
        (5, "create", "OPP-NEW-2"),
    ]
    assert state() == before


def test_a_reupload_changes_nothing(org, manager, catalog):
    # given
    content = csv_text(
        [row(), row(external_id="OPP-2", stage="closed_won", close_date="2026-03-01")]
    ).encode()
    opportunity_import(organization=org, content=content, actor=manager.user)
    opportunities, changes, _ = state()
    # when: the same rows again, in another order and with other spacing
    again = csv_text(
        [row(external_id=" OPP-2 ", stage="Closed won", close_date="2026-03-01"), row()]
    ).encode()
    preview = opportunity_import(organization=org, content=again, actor=manager.user)
    # then
    assert preview.counts == {"create": 0, "update": 0, "unchanged": 2}
    assert state()[:2] == (opportunities, changes)


def test_a_database_error_while_writing_leaves_nothing_and_fails_the_job(org, manager, catalog, monkeypatch):
    # given: 600 rows, so the write spans three batches; the third batch hits a database error
    content = csv_text([row(external_id=f"OPP-{n}") for n in range(600)]).encode()
    job, _ = import_submit(
        organization=org,
        actor=manager.user,
        kind_name="opportunities",
        content=content,
        mode=Mode.APPLY,
    )
    real = OpportunityStageChange.objects.bulk_create
    calls = []

    def failing_bulk_create(objs, *args, **kwargs):
        calls.append(len(objs))
        if len(calls) == 3:
            raise DataError("value too long")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(opportunity_module.OpportunityStageChange.objects, "bulk_create", failing_bulk_create)
    before = state()
    # when
    finished = import_job_run(job_run_id=job.pk)
    # then
    assert calls == [250, 250, 100]
    assert (finished.status, finished.error) == (
        JobRun.Status.FAILED,
        "The import failed unexpectedly (DataError); nothing was imported.",
    )
    assert state() == before


def _planned(prepared) -> list[tuple]:
    return [(p.line, p.action.value, sorted(p.values.items())) for p in prepared.planned]


def test_chunked_planning_gives_the_same_preview_and_the_same_writes(org, manager, rep, catalog, monkeypatch):
    # given: a second account, existing deals (one unchanged, one to update) and new ones, with
    # errors in several chunks (an unknown account, a key repeated across chunks, a bad amount)
    account, _line = catalog
    AccountFactory(organization=org, name="Globex", external_id="ACC-2")
    OpportunityFactory(
        organization=org, account=account, owner=rep.user, external_id="OPP-SAME", name="Same",
        stage="prospecting", amount=Decimal("100.00"), currency="USD", created_date=dt.date(2026, 1, 2),
        expected_close_date=None, close_date=None, product_line=None, lead_source="",
    )  # fmt: skip
    OpportunityFactory(organization=org, account=account, external_id="OPP-OLD", stage="qualification")
    rows = [
        row(external_id="OPP-SAME", name="Same", stage="prospecting", amount="100.00", created_date="2026-01-02",
            expected_close_date="", product_line_code="", lead_source=""),
        *[row(external_id=f"OPP-{n}", amount=f"{n}.25", account_external_id=f"ACC-{1 + n % 2}") for n in range(9)],
        row(external_id="OPP-OLD", amount="2,000.00"),
        row(external_id="OPP-X", account_external_id="ACC-404"),
        row(external_id="OPP-3"),
        row(external_id="OPP-BAD", amount="1,5"),
        row(external_id="OPP-LAST", account_external_id="ACC-2", amount="7.00"),
    ]  # fmt: skip
    content = csv_text(rows).encode()
    clean = csv_text(
        [r for r in rows if r["external_id"] not in ("OPP-X", "OPP-BAD") and r != rows[-3]]
    ).encode()
    spec = OPPORTUNITY_IMPORT.default_profile

    def prepare(data: bytes, **options):
        return import_prepare(kind=OPPORTUNITY_IMPORT, organization=org, content=data, spec=spec, **options)

    whole = prepare(content)
    whole_clean = prepare(clean)
    before = state()
    # when: three rows a chunk, keeping the planned rows or not (the preview job's way)
    monkeypatch.setattr(pipeline_module, "CHUNK_ROWS", 3)
    monkeypatch.setattr(pipeline_module, "BUILD_ROWS", 2)
    chunked = prepare(content)
    preview_only = prepare(content, keep_planned=False)
    # then: the same preview, errors and planned rows; the preview keeps no planned row
    assert whole.preview.error_count == 3
    assert whole.preview.counts == {"create": 10, "update": 1, "unchanged": 1}
    assert chunked.preview.as_dict() == whole.preview.as_dict()
    assert preview_only.preview.as_dict() == whole.preview.as_dict()
    assert _planned(chunked) == _planned(whole)
    assert preview_only.planned == []
    assert state() == before
    # when: the clean file confirmed with three rows a chunk
    written = opportunity_import(organization=org, content=clean, actor=manager.user)
    # then: it wrote what the unchunked plan planned, nothing else
    assert written.as_dict() == whole_clean.preview.as_dict()
    expected = {
        values["external_id"]: values
        for _, _, values in ((p.line, p.action, p.values) for p in whole_clean.planned)
    }
    stored = {
        o.external_id: o for o in Opportunity.objects.filter(organization=org).select_related("account")
    }
    assert sorted(stored) == sorted(expected)
    assert {k: (v.amount, v.account_id, v.stage) for k, v in stored.items()} == {
        k: (v["amount"], v["account_id"], v["stage"]) for k, v in expected.items()
    }
