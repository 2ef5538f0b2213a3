"""Bulk files of the core records, partner links and the records other files name: templates,
bad files, doors, access.

Every kind has an example row: its CSV and Excel templates, as downloaded, import into an
organization holding what the example refers to (the kinds it `requires`, imported from
their own templates first), and importing the same file again changes nothing. Each bad
file of the list (wrong encoding, missing column, unknown reference, duplicate key, formula
payload, a PNG renamed .csv, 50,000 rows with one bad row at the end) is refused with errors
that name their line and field, and writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from attribution.marketing.models import Channel, PathRow, Touchpoint
from attribution.models import AccountPartner, OpportunityPartner
from commissions.models import BusinessObjective, RepAlias, SalesTransaction, Territory
from revops.imports.errors import ImportRefused
from revops.imports.kinds import import_kind_get, import_kind_list
from revops.imports.pipeline import import_apply
from revops.imports.templates import template_columns, template_csv, template_xlsx, xlsx_spec
from revops.models import (
    Account,
    AuditEvent,
    JobRun,
    Opportunity,
    OpportunityStageChange,
    Partner,
    Product,
    ProductLine,
)
from revops.services.imports import Mode, import_job_run, import_submit
from tests.imports.corpus import NAMES_LINE

# The tables the issue lists: each must have a template whose example imports.
ISSUE_KINDS = (
    "accounts",
    "partners",
    "product_lines",
    "products",
    "opportunities",
    "stage_history",
    "deal_partner_links",
    "account_partner_splits",
    "revenue_events",
)
ALL_KINDS = sorted(kind.name for kind in import_kind_list())
MODELS = (Account, Partner, ProductLine, Product, Opportunity, OpportunityStageChange, OpportunityPartner,
          AccountPartner, Channel, Touchpoint, PathRow, RepAlias, Territory, SalesTransaction,
          BusinessObjective, AuditEvent)  # fmt: skip


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _apply(org, actor, name: str, content: bytes, xlsx: bool = False):
    kind = import_kind_get(name)
    spec = xlsx_spec(kind.default_profile) if xlsx else kind.default_profile
    return import_apply(kind=kind, organization=org, actor=actor, content=content, spec=spec)


def _import_requirements(org, actor, name: str, done: set[str] | None = None) -> set[str]:
    """Import, from their own CSV templates, the kinds the example of `name` refers to."""
    done = set() if done is None else done
    for required in import_kind_get(name).requires:
        if required not in done:
            _import_requirements(org, actor, required, done)
            _apply(org, actor, required, template_csv(import_kind_get(required)))
            done.add(required)
    return done


def test_every_kind_has_a_template_with_an_example():
    assert set(ISSUE_KINDS) <= set(ALL_KINDS)
    assert [name for name in ALL_KINDS if not import_kind_get(name).example] == []
    # every kind an example refers to is a kind, and no kind requires itself, even indirectly
    for name in ALL_KINDS:
        assert name not in _import_requirements_names(name)


def _import_requirements_names(name: str, seen: tuple[str, ...] = ()) -> set[str]:
    found: set[str] = set()
    for required in import_kind_get(name).requires:
        assert required not in seen, f"{name} requires {required} in a cycle"
        found |= {required, *_import_requirements_names(required, (*seen, name))}
    return found


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name", ALL_KINDS)
def test_every_template_filled_with_its_example_imports_once(name, fmt, org, admin, rep, media_root):
    # given: what the example refers to
    _import_requirements(org, admin.user, name)
    kind = import_kind_get(name)
    content = template_csv(kind) if fmt == "csv" else template_xlsx(kind)
    # when: uploaded as downloaded, by the file's name, through the import job
    job, _ = import_submit(
        organization=org, actor=admin.user, kind_name=name, content=content,
        filename=f"{name}-template.{fmt}", mode=Mode.APPLY,
    )  # fmt: skip
    job = import_job_run(job_run_id=job.pk)
    # then
    assert (job.status, job.error, job.counts["create"], job.counts.get("errors")) == (
        JobRun.Status.SUCCEEDED, "", 1, None,
    )  # fmt: skip
    # and the same file again changes nothing
    before = counts()
    again = _apply(org, admin.user, name, content, xlsx=fmt == "xlsx")
    assert again.counts == {"create": 0, "update": 0, "unchanged": 1}
    assert {k: v for k, v in counts().items() if k != "AuditEvent"} == {
        k: v for k, v in before.items() if k != "AuditEvent"
    }


@pytest.mark.parametrize("name", ALL_KINDS)
def test_the_excel_template_explains_every_column(name):
    # given
    kind = import_kind_get(name)
    workbook = load_workbook(io.BytesIO(template_xlsx(kind)))
    # when
    data, about = workbook["Data"], workbook["About"]
    header = [c.value for c in data[1]]
    rows = list(about.iter_rows(min_row=5, values_only=True))
    # then: one About row per column, in order, with required, type and notes from the schema
    assert header == [c.column for c in template_columns(kind)]
    assert [r[0] for r in rows] == header
    assert [r[1] for r in rows] == ["yes" if c.required else "no" for c in template_columns(kind)]
    assert all(data.cell(1, i + 1).comment is not None for i in range(len(header)))
    text = template_csv(kind).decode(kind.default_profile.encoding)
    assert next(csv.reader(io.StringIO(text), delimiter=kind.default_profile.delimiter)) == header


def test_the_about_sheet_lists_allowed_values():
    about = load_workbook(io.BytesIO(template_xlsx(import_kind_get("accounts"))))["About"]
    rows = {r[0]: r for r in about.iter_rows(min_row=5, values_only=True)}
    assert rows["segment"][2:] == ("text", "up to 40 characters", "one of: smb, mid_market, enterprise")
    assert rows["external_id"][1] == "yes"
    money = load_workbook(io.BytesIO(template_xlsx(import_kind_get("products"))))["About"]
    price = {r[0]: r for r in money.iter_rows(min_row=5, values_only=True)}["list_price"]
    assert price[1:3] == ("no", "money")


# --- Bad files ------------------------------------------------------------------------------------


def _csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode(encoding)


# Per kind: a valid row numbered n, the text field to re-encode, an unknown reference (field,
# value and the message's start), a formula payload in a checked field, the duplicate's field.
SAMPLES = {
    "accounts": {
        "row": lambda n: {"external_id": f"ACC-{n}", "name": f"Café {n}", "segment": "smb"},
        "text": "name",
        "unknown": ("owner_email", "nobody@else.test", "'nobody@else.test' is not a member"),
        "formula": ("segment", "=cmd|' /C calc'!A0"),
        "duplicate": "external_id",
    },
    "partners": {
        "row": lambda n: {"external_id": f"PRT-{n}", "name": f"Café {n}", "tier": "gold"},
        "text": "name",
        "unknown": ("tier", "diamond", "unknown tier 'diamond'"),
        "formula": ("types", '=HYPERLINK("http://evil.example")'),
        "duplicate": "external_id",
    },
    "product_lines": {
        "row": lambda n: {"code": f"line-{n}", "name": f"Café {n}"},
        "text": "name",
        "unknown": None,
        "formula": ("code", "=1+1"),
        "duplicate": "code",
    },
    "products": {
        "row": lambda n: {
            "sku": f"SKU-{n}",
            "name": f"Café {n}",
            "product_line_code": "analytics",
            "list_price": "10",
        },
        "text": "name",
        "unknown": ("product_line_code", "nope", "no product line with code 'nope'"),
        "formula": ("list_price", "=1+1"),
        "duplicate": "sku",
    },
    "stage_history": {
        "row": lambda n: {
            "opportunity_external_id": "OPP-1",
            "to_stage": "proposal",
            "changed_on": (dt.date(1900, 1, 1) + dt.timedelta(days=n)).isoformat(),
            "amount": "100",
        },
        "text": "opportunity_external_id",
        "unknown": ("opportunity_external_id", "OPP-404", "no opportunity with external id 'OPP-404'"),
        "formula": ("amount", "=1+1"),
        "duplicate": "to_stage",
    },
    "deal_partner_links": {
        "row": lambda n: {
            "opportunity_external_id": "OPP-1",
            "partner_external_id": "PRT-1",
            "role": ["si", "influence", "referral", "isv"][n % 4],
            "split_percent": "5",
        },
        "text": "opportunity_external_id",
        "unknown": ("partner_external_id", "PRT-404", "no partner with external id 'PRT-404'"),
        "formula": ("split_percent", "=1+1"),
        "duplicate": "role",
    },
    "account_partner_splits": {
        "row": lambda n: {
            "account_external_id": "ACC-1",
            "partner_external_id": "PRT-1",
            "role": ["si", "influence", "referral", "isv"][n % 4],
            "split_percent": "5",
        },
        "text": "account_external_id",
        "unknown": ("account_external_id", "ACC-404", "no account with external id 'ACC-404'"),
        "formula": ("split_percent", "=1+1"),
        "duplicate": "role",
    },
    "marketing_channels": {
        "row": lambda n: {"name": f"Café {n}", "grouping": "Paid", "is_direct": "no"},
        "text": "name",
        "unknown": ("is_direct", "maybe", "'maybe' is not yes/no"),
        "formula": ("is_direct", "=1+1"),
        "duplicate": "name",
    },
    "rep_aliases": {
        "row": lambda n: {"alias": f"Café {n}", "rep_email": "rep1@acme.test"},
        "text": "alias",
        "unknown": ("rep_email", "manager@acme.test", "'manager@acme.test' is not an active rep"),
        "formula": ("rep_email", "=1+1"),
        "duplicate": "alias",
    },
    "territories": {
        "row": lambda n: {
            "code": f"Zürich {n}",
            "product_line_code": "analytics",
            "rep_email": "rep1@acme.test",
        },
        "text": "code",
        "unknown": ("product_line_code", "nope", "no product line with code 'nope'"),
        "formula": ("rep_email", "=1+1"),
        "duplicate": "code",
    },
}
NEW_KINDS = list(SAMPLES)
# The 50,000-row file goes through these kinds (the others share their pipeline and lookups;
# the link kinds' key is (parent, partner, role), so one deal holds at most four rows).
BIG_KINDS = ("accounts", "products", "stage_history")


def _columns(name: str) -> list[str]:
    return [c.column for c in template_columns(import_kind_get(name))]


def _file(name: str, rows: list[dict[str, str]], encoding: str = "utf-8", drop: str = "") -> bytes:
    columns = [c for c in _columns(name) if c != drop]
    return _csv([columns, *[[r.get(c, "") for c in columns] for r in rows]], encoding)


def _bad_files(name: str) -> dict[str, tuple[bytes, str]]:
    """Each bad file of the kind and the pattern its first error must match."""
    sample = SAMPLES[name]
    row = sample["row"]
    required = import_kind_get(name).required_fields()
    files = {
        "wrong_encoding": (
            _file(name, [{**row(1), sample["text"]: "Café – €5"}], encoding="cp1252"),
            r"^line 2: the file is not utf-8 text",
        ),
        "missing_column": (
            _file(name, [row(1)], drop=required[-1]),
            rf"^line 1: missing column\(s\): {required[-1]}$",
        ),
        "duplicate_key": (
            _file(name, [row(1), row(1)]),
            rf"^line 3, {sample['duplicate']}: .*(already appears on line 2|earlier in the file)",
        ),
        "formula_payload": (
            _file(name, [row(1), {**row(2), sample["formula"][0]: sample["formula"][1]}]),
            rf"^line 3, {sample['formula'][0]}: ",
        ),
        "png_as_csv": (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
            r"^line 1: the file is not utf-8 text",
        ),
    }
    if sample["unknown"]:
        field, value, message = sample["unknown"]
        files["unknown_reference"] = (
            _file(name, [row(1), {**row(2), field: value}]),
            rf"^line 3, {field}: {message}",
        )
    return files


@pytest.fixture
def refs(org, admin, rep):
    """What the sample rows refer to: product line, account, deal, partner (from templates)."""
    for name in ("products", "deal_partner_links", "account_partner_splits"):
        _import_requirements(org, admin.user, name)
    return org


BAD_CASES = [(name, case) for name in NEW_KINDS for case in _bad_files(name)]


@pytest.mark.parametrize(("name", "case"), BAD_CASES, ids=[f"{n}-{c}" for n, c in BAD_CASES])
def test_each_bad_file_is_refused_by_line_and_writes_nothing(name, case, refs, admin):
    # given
    content, pattern = _bad_files(name)[case]
    before = counts()
    # when
    with pytest.raises(ImportRefused) as refused:
        _apply(refs, admin.user, name, content)
    # then
    errors = refused.value.errors
    assert errors and re.search(pattern, errors[0]), errors[:3]
    assert all(NAMES_LINE.match(e) for e in errors), errors[:3]
    assert counts() == before


@pytest.mark.parametrize("name", BIG_KINDS)
def test_fifty_thousand_rows_with_the_last_bad_write_nothing(name, refs, admin):
    # given
    sample = SAMPLES[name]
    rows = [sample["row"](n) for n in range(1, 50_001)]
    field, value = sample["formula"]
    rows[-1] = {**rows[-1], field: value}
    before = counts()
    # when
    with pytest.raises(ImportRefused) as refused:
        _apply(refs, admin.user, name, _file(name, rows))
    # then: the one error names line 50,001 and its field; nothing was written
    assert (refused.value.total, refused.value.errors[0].split(":")[0]) == (1, f"line 50001, {field}")
    assert counts() == before


def test_a_re_upload_of_changed_rows_updates_and_audits_through_the_record_service(org, admin, rep):
    # given
    _apply(org, admin.user, "accounts", template_csv(import_kind_get("accounts")))
    account = Account.objects.get(external_id="ACC-1")
    content = _file("accounts", [{"external_id": "ACC-1", "name": "Initech GmbH", "segment": "enterprise"}])
    # when
    preview = _apply(org, admin.user, "accounts", content)
    # then
    account.refresh_from_db()
    assert preview.counts == {"create": 0, "update": 1, "unchanged": 0}
    assert (account.name, account.segment, account.owner_id, account.name_key) == (
        "Initech GmbH", "enterprise", None, "initech",
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="account.update", object_id=str(account.pk)).count() == 1


def test_link_import_queues_the_ledger_alignment_once_and_audits_each_link(
    refs, admin, django_capture_on_commit_callbacks
):
    # given
    content = _file("deal_partner_links", [SAMPLES["deal_partner_links"]["row"](n) for n in (1, 2)])
    alignments = JobRun.objects.filter(kind__startswith="attribution.recompute").count()
    # when
    preview = _apply(refs, admin.user, "deal_partner_links", content)
    # then
    links = OpportunityPartner.objects.order_by("role").values_list("role", "split_percent", "status")
    assert preview.counts == {"create": 2, "update": 0, "unchanged": 0}
    assert list(links) == [("influence", Decimal("5.00"), "active"), ("referral", Decimal("5.00"), "active")]
    assert AuditEvent.objects.filter(action="opportunity_partner.set").count() == 2
    assert JobRun.objects.filter(kind__startswith="attribution.recompute").count() == alignments + 1


def test_deal_splits_over_100_are_refused_at_the_row_that_crosses(refs, admin):
    # given
    rows = [
        {"opportunity_external_id": "OPP-1", "partner_external_id": "PRT-1", "role": "influence", "split_percent": "60"},
        {"opportunity_external_id": "OPP-1", "partner_external_id": "PRT-1", "role": "referral", "split_percent": "50"},
    ]  # fmt: skip
    before = counts()
    # when
    with pytest.raises(ImportRefused) as refused:
        _apply(refs, admin.user, "deal_partner_links", _file("deal_partner_links", rows))
    # then
    assert refused.value.errors == [
        "line 3, split_percent: the deal's fixed splits would add up to 110.00 %, over 100 %"
    ]
    assert counts() == before


# --- The three doors ------------------------------------------------------------------------------


def _job_of(response) -> JobRun:
    return JobRun.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def through_page(member, name, content, capture) -> JobRun:
    client = APIClient()
    client.force_login(member.user)
    with capture(execute=True):
        response = client.post(
            reverse("revops:import-upload", args=[name]), {"file": SimpleUploadedFile("data.csv", content)}
        )
    preview = _job_of(response)
    if preview.status != JobRun.Status.SUCCEEDED:
        return preview
    with capture(execute=True):
        confirmed = client.post(reverse("revops:import-confirm", args=[preview.pk]))
    return _job_of(confirmed)


def through_api(member, name, content, capture) -> JobRun:
    client = APIClient()
    client.force_login(member.user)
    upload = io.BytesIO(content)
    upload.name = "data.csv"
    with capture(execute=True):
        response = client.post(
            reverse("import-create", kwargs={"kind_name": name}), {"file": upload}, format="multipart"
        )
    assert response.status_code == 202
    return JobRun.objects.get(pk=response.json()["id"])


def through_command(member, name, content, capture) -> JobRun:
    path = Path(tempfile.mkdtemp()) / "data.csv"
    path.write_bytes(content)
    err = io.StringIO()
    try:
        call_command("import_records", name, str(path), "--org", "acme", "--as", member.user.email,
                     stdout=io.StringIO(), stderr=err)  # fmt: skip
    except CommandError:
        assert (
            err.getvalue().splitlines()
            == JobRun.objects.filter(params__mode="apply").get().error.splitlines()
        )
    return JobRun.objects.filter(params__mode="apply").get()


DOORS = {"page": through_page, "api": through_api, "command": through_command}
DOOR_KINDS = (
    "accounts",
    "partners",
    "deal_partner_links",
    "marketing_channels",
    "rep_aliases",
    "territories",
)
# Who imports at the doors: the kind's capability (aliases and territories: commissions' plan editors).
DOOR_MEMBER = {"rep_aliases": "finance_admin", "territories": "finance_admin"}


# The first error of each kind's bad file (the formula payload on line 3), the same at every door.
DOOR_ERRORS = {
    "accounts": "line 3, segment: unknown segment \"=cmd|' /C calc'!A0\" (use one of: smb, mid_market, enterprise)",
    "partners": "line 3, types: unknown partner type '=HYPERLINK(\"http://evil.example\")' "
    "(use one of: si, influence, referral, isv)",
    "deal_partner_links": "line 3, split_percent: '=1+1' is not a number in the format 1,234.56",
    "marketing_channels": "line 3, is_direct: '=1+1' is not yes/no",
    "rep_aliases": "line 3, rep_email: '=1+1' is not an active rep of this organization",
    "territories": "line 3, rep_email: '=1+1' is not an active rep of this organization",
}


@pytest.mark.parametrize("name", DOOR_KINDS)
@pytest.mark.parametrize("door", list(DOORS))
def test_every_door_refuses_the_same_bad_file_with_the_same_errors(
    door, name, refs, request, django_capture_on_commit_callbacks
):
    # given
    member = request.getfixturevalue(DOOR_MEMBER.get(name, "manager"))
    row = SAMPLES[name]["row"]
    field, value = SAMPLES[name]["formula"]
    before = counts()
    # when
    job = DOORS[door](
        member, name, _file(name, [row(1), {**row(2), field: value}]), django_capture_on_commit_callbacks
    )
    # then
    assert (job.status, job.error.splitlines()) == (JobRun.Status.FAILED, [DOOR_ERRORS[name]])
    assert counts() == before


@pytest.mark.parametrize("name", DOOR_KINDS)
@pytest.mark.parametrize("door", list(DOORS))
def test_every_door_imports_the_same_file_with_the_same_counts_and_audit(
    door, name, refs, request, django_capture_on_commit_callbacks
):
    # given
    member = request.getfixturevalue(DOOR_MEMBER.get(name, "manager"))
    row = SAMPLES[name]["row"]
    # when
    # (rows 2 and 3: the references' own templates made the first)
    job = DOORS[door](member, name, _file(name, [row(2), row(3)]), django_capture_on_commit_callbacks)
    # then
    assert (job.status, job.error, job.counts) == (
        JobRun.Status.SUCCEEDED, "", {"rows": 2, "create": 2, "update": 0, "unchanged": 0},
    )  # fmt: skip
    audit = AuditEvent.objects.get(action=import_kind_get(name).audit_action, object_id=str(job.pk))
    assert (audit.actor, audit.object_type, audit.after) == (
        member.user, "revops.jobrun", {"create": 2, "update": 0, "unchanged": 0},
    )  # fmt: skip


# --- Access ---------------------------------------------------------------------------------------


def test_a_rep_cannot_upload_accounts_or_download_their_template(org, rep, client_for, media_root):
    client = client_for(rep)
    upload = client.post(reverse("revops:import-upload", args=["accounts"]),
                         {"file": SimpleUploadedFile("a.csv", template_csv(import_kind_get("accounts")))})  # fmt: skip
    template = client.get(reverse("revops:import-template", args=["accounts", "csv"]))
    assert (upload.status_code, template.status_code, JobRun.objects.count(), Account.objects.count()) == (
        403,
        403,
        0,
        0,
    )


def test_a_manager_may_import_accounts_but_not_partners_without_the_capability(org, manager, client_for):
    # partners need record.import too: managers have it; finance does not
    client = client_for(manager)
    assert client.get(reverse("revops:import-upload", args=["partners"])).status_code == 200
    response = client.get(reverse("revops:import-template", args=["accounts", "xlsx"]))
    assert (response.status_code, response["Content-Disposition"]) == (
        200, 'attachment; filename="accounts-template.xlsx"',
    )  # fmt: skip


def test_an_unknown_template_format_or_kind_is_404(org, admin, client_for):
    client = client_for(admin)
    assert client.get(reverse("revops:import-template", args=["accounts", "pdf"])).status_code == 404
    assert client.get(reverse("revops:import-template", args=["nothing", "csv"])).status_code == 404


def test_another_organizations_import_job_is_404(org, admin, other_org_admin, client_for, media_root):
    job, _ = import_submit(organization=org, actor=admin.user, kind_name="accounts",
                           content=template_csv(import_kind_get("accounts")), filename="a.csv")  # fmt: skip
    assert client_for(other_org_admin).get(reverse("revops:import-job", args=[job.pk])).status_code == 404


def test_the_index_lists_only_the_kinds_the_member_may_import(org, manager, client_for):
    response = client_for(manager).get(reverse("revops:import-index"))
    names = [kind.name for kind in response.context["kinds"]]
    assert response.status_code == 200
    assert {"accounts", "partners", "deal_partner_links", "opportunities"} <= set(names)
    assert "objectives" not in names  # commissions' plan editors only


# The records sales, objectives and touchpoint files name: the capability of the app's other imports.
REFERENCE_ACCESS = [
    ("marketing_channels", "manager", 200),
    ("marketing_channels", "finance_admin", 403),
    ("marketing_channels", "rep", 403),
    ("rep_aliases", "finance_admin", 200),
    ("rep_aliases", "manager", 403),
    ("rep_aliases", "rep", 403),
    ("territories", "admin", 200),
    ("territories", "manager", 403),
    ("territories", "rep", 403),
]


@pytest.mark.parametrize(("name", "who", "status"), REFERENCE_ACCESS)
def test_reference_kinds_upload_and_template_follow_their_apps_import_capability(
    name, who, status, org, request, client_for, media_root
):
    # given
    member = request.getfixturevalue(who)
    client = client_for(member)
    before = counts()
    # when
    page = client.get(reverse("revops:import-upload", args=[name]))
    template = client.get(reverse("revops:import-template", args=[name, "csv"]))
    upload = client.post(
        reverse("revops:import-upload", args=[name]),
        {"file": SimpleUploadedFile("data.csv", template_csv(import_kind_get(name)))},
    )
    # then: allowed members get the page and the template; an upload starts a preview job only
    assert (page.status_code, template.status_code) == (status, status)
    assert upload.status_code == (302 if status == 200 else 403)
    assert JobRun.objects.filter(kind__startswith="import").count() == (1 if status == 200 else 0)
    assert {k: v for k, v in counts().items() if k != "AuditEvent"} == {
        k: v for k, v in before.items() if k != "AuditEvent"
    }
