"""Ledger audit-trail PDF: every line with its hash prefix, rule version, explanation; the chain head."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from attribution.models import AttributionEntry
from attribution.reports import LedgerAuditReport
from attribution.selectors.ledger import chain_head, ledger_list, ledger_totals
from attribution.services.recompute import attribution_recompute
from attribution.services.rules import rule_create
from tests.attribution.factories import OpportunityPartnerFactory
from tests.attribution.factories_pages import build_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_audit_pdf_lists_every_entry_and_the_chain_head(org, book, admin, client_for):
    # when
    response = client_for(admin).get(reverse("attribution:ledger"), {"export": "pdf"})
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _text(response.content)
    entries = list(AttributionEntry.objects.filter(organization=org).order_by("sequence"))
    for entry in entries:
        assert entry.hash[:12] in text
    assert "Initech" in text and "Umbrella" in text
    assert "manual split" in text
    assert f"entry #3, hash {entries[-1].hash}".replace(" ", "") in text.replace(" ", "").replace("\n", "")
    assert "550.00" in text


def test_audit_report_names_the_rule_version_of_rule_entries(org, book, admin):
    # given: a rule sets a split for the default-less SI role on a new link
    rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="SI share",
        definition={"action": {"kind": "set_split", "percent": "7"}, "conditions": {"roles": ["si"]}},
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=book.deal, partner=book.beta, role="si", split_percent=None
    )
    attribution_recompute(organization=org)
    _fs, qs = ledger_list(membership=admin, filters={"role": "si"})
    report = LedgerAuditReport(
        membership=admin,
        entries=qs,
        totals=ledger_totals(qs),
        head=chain_head(membership=admin),
        filters={"role": "si"},
    )
    # when
    lines = report.lines()
    pdf = report.generate()
    # then
    assert [(r["entry"].amount, r["rule_version"], r["explanation"]) for r in lines] == [
        (Decimal("70.00"), "SI share v1", "rule 'SI share' (v1)")
    ]
    assert pdf.startswith(b"%PDF")
    assert "SI share v1" in _text(pdf)


def test_audit_pdf_needs_the_export_capability(book, partner_user, client_for):
    # when
    response = client_for(partner_user).get(reverse("attribution:ledger"), {"export": "pdf"})
    # then
    assert response.status_code == 403
