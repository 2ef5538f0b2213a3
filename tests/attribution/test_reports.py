"""Ledger audit-trail PDF: written by a job (never in the request), every line with its hash,
rule version and explanation, the filters by name and the chain head."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from attribution.exports import ledger_export
from attribution.models import AttributionEntry
from attribution.selectors.ledger import explanation_summary, ledger_export_rows
from attribution.services.recompute import attribution_recompute
from attribution.services.rules import rule_create
from revops.models import JobRun
from revops.services.exports import export_file_bytes
from tests.attribution.factories import OpportunityPartnerFactory
from tests.attribution.factories_pages import build_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_audit_pdf_is_written_by_a_job_and_lists_every_entry_and_the_chain_head(
    org, book, admin, client_for, django_capture_on_commit_callbacks
):
    # given
    client = client_for(admin)

    # when: the button on the ledger page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("attribution:ledger"), {"export": "pdf", "partner": book.alpha.pk})

    # then: the page is sent to the job's progress page, and the job wrote the file
    job = JobRun.objects.get(kind="export.file")
    assert response.status_code == 303
    assert response["Location"] == reverse("revops:export-status", args=[job.pk])
    assert (job.status, job.counts["rows"]) == (JobRun.Status.SUCCEEDED, 2)
    download = client.get(reverse("revops:export-download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    text = _text(b"".join(download.streaming_content))
    entries = list(AttributionEntry.objects.filter(organization=org).order_by("sequence"))
    flat = text.replace(" ", "").replace("\n", "")
    assert "partner = Alpha" in text  # the filter by name, not "partner=17"
    assert "$500.00in2lines" in flat  # Alpha's 100.00 + 400.00
    assert f"entry#3,hash{entries[-1].hash}" in flat
    for entry in entries:
        if entry.partner_id == book.alpha.pk:
            assert entry.hash[:12] in flat
    assert "Initech" in text and "Umbrella" in text
    assert "manual split" in text


def _si_rule_entries(org, book, admin) -> None:
    """A rule sets a split for the default-less SI role on a new link of Beta, posted."""
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


def test_audit_report_names_the_rule_version_of_rule_entries(org, book, admin):
    # given: a rule sets a split for the default-less SI role on a new link
    _si_rule_entries(org, book, admin)
    data = ledger_export(membership=admin, params={"role": "si"})

    # when
    rows = list(data.tables[0].rows)
    data = ledger_export(membership=admin, params={"role": "si"})
    pdf, _ = export_file_bytes(data=data, fmt="pdf", organization_name=org.name)

    # then
    assert len(rows) == 1
    assert Decimal("70.00") in rows[0]
    assert "SI share v1" in rows[0]
    assert "rule 'SI share' (v1)" in rows[0]
    assert ("Filters", "role = SI / implementation") in data.summary
    text = _text(pdf)
    assert "SI share v1" in text


def test_audit_pdf_needs_the_export_capability(book, partner_user, client_for):
    # when
    response = client_for(partner_user).get(reverse("attribution:ledger"), {"export": "pdf"})
    # then: partner users do not find the internal ledger (their statement is in the portal)
    assert response.status_code == 404
    assert not JobRun.objects.filter(kind="export.file").exists()


def _line_from_instance(e: AttributionEntry) -> tuple:
    """One ledger line read through the entry's model instance and its relations."""
    event = e.revenue_event
    account = event.account or (event.opportunity.account if event.opportunity else None)
    version = e.rule_version
    return (
        e.sequence,
        e.created_at,
        event.date,
        e.partner.name,
        e.get_role_display(),
        e.get_kind_display(),
        e.get_scope_display(),
        e.split_percent,
        e.amount,
        str(e.period),
        str(e.revenue_period),
        account.name if account else "",
        event.opportunity.name if event.opportunity else "",
        f"{version.rule.name} v{version.number}" if version else "",
        explanation_summary(e.explanation),
        e.hash,
    )


def test_export_lines_read_as_values_equal_the_lines_read_through_each_entry(org, book, admin):
    # given: rule entries, manual splits, events on an account and on a deal, a period label each
    _si_rule_entries(org, book, admin)
    entries = AttributionEntry.objects.filter(organization=org)

    # when
    lines = list(ledger_export_rows(entries))

    # then: the same lines, line for line, and every kind of line is there
    expected = [_line_from_instance(e) for e in entries.order_by("sequence")]
    assert lines == expected
    assert len(lines) >= 4
    assert any(line[13] == "SI share v1" for line in lines)
    assert any(line[13] == "" for line in lines)
    assert {line[11] for line in lines} >= {"Initech", "Umbrella"}
