"""Registration by e-mail body: `Key: value` lines parsed, checked like the portal form, and
submitted through the same service; every error names its line and field; nothing half-written."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from partners.models import DealRegistration, RegistrationStatus
from partners.services.intake import IntakeError, registration_intake
from revops.models import AuditEvent, Partner

pytestmark = pytest.mark.django_db

BODY = """Hello, please register this one.

Your name: Jane Doe
Your e-mail: jane@northwind.test
Company: Bluebird Logistics
Web domain: bluebird.example
Contact: Ada Byrne
Contact e-mail: ada@bluebird.example
Description: Warehouse analytics
  roll-out in three sites
Estimated value: 25000.00
Currency: USD
Product line: Analytics
Expected close: 2026-06-30
Your role: Referral
"""


def test_a_good_body_is_registered_for_the_partner(partner, line):
    registration = registration_intake(
        partner=partner, text=BODY.replace("Hello, please register this one.\n", "")
    )
    assert registration.partner == partner
    assert registration.status == RegistrationStatus.SUBMITTED
    assert registration.account_name == "Bluebird Logistics"
    assert registration.product_line == line
    assert registration.role == "referral"
    assert str(registration.estimated_value) == "25000.00"
    assert registration.description == "Warehouse analytics\nroll-out in three sites"
    assert (registration.submitter_name, registration.submitter_email) == ("Jane Doe", "jane@northwind.test")
    assert registration.steps
    assert AuditEvent.objects.filter(
        action="deal_registration.submit", object_id=str(registration.pk)
    ).exists()


def test_the_greeting_line_is_reported_not_ignored(partner, line):
    with pytest.raises(IntakeError) as exc:
        registration_intake(partner=partner, text=BODY)
    assert exc.value.errors == ("line 1: expected “Field: value”",)
    assert DealRegistration.objects.count() == 0


def test_every_problem_names_its_line_and_field(partner, line):
    body = (
        BODY.replace("Hello, please register this one.\n", "")
        .replace("Estimated value: 25000.00", "Estimated value: lots")
        .replace("Expected close: 2026-06-30", "Expected close: 30/06/2026")
        .replace("Company: Bluebird Logistics\n", "")
        .replace("Currency: USD", "Currency: USD\nColour: blue\nCurrency: EUR")
    )
    with pytest.raises(IntakeError) as exc:
        registration_intake(partner=partner, text=body)
    assert set(exc.value.errors) == {
        "line 11: unknown field “Colour”",
        "line 12: Currency is given twice",
        "line 9: Estimated value: Enter a number.",
        "line 14: Expected close: Enter a valid date.",
        "Company: This field is required.",
    }
    assert DealRegistration.objects.count() == 0


def test_unknown_product_line_and_role(partner, line):
    body = (
        BODY.split("\n", 2)[2]
        .replace("Product line: Analytics", "Product line: Hardware")
        .replace("Your role: Referral", "Your role: Reseller")
    )
    with pytest.raises(IntakeError) as exc:
        registration_intake(partner=partner, text=body)
    assert set(exc.value.errors) == {
        "line 11: Product line: Select a valid choice. That choice is not one of the available choices.",
        "line 13: Your role: Select a valid choice. Reseller is not one of the available choices.",
    }
    assert DealRegistration.objects.count() == 0


def test_command_registers_and_reports(partner, line, org, tmp_path):
    path = tmp_path / "mail.txt"
    path.write_text(BODY.split("\n", 2)[2], encoding="utf-8")
    out = io.StringIO()
    call_command(
        "registration_intake", "--organization", org.slug, "--partner", str(partner.pk), str(path), stdout=out
    )
    registration = DealRegistration.objects.get()
    assert out.getvalue().strip() == f"Registered {registration.pk}: Bluebird Logistics"


def test_command_prints_errors_and_writes_nothing(partner, line, org, tmp_path):
    path = tmp_path / "mail.txt"
    path.write_text("Company: X\nEstimated value: -1\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command(
            "registration_intake", "--organization", org.slug, "--partner", str(partner.pk), str(path)
        )
    assert "line 2: Estimated value: Ensure this value is greater than or equal to 0." in str(exc.value)
    assert "Your name: This field is required." in str(exc.value)
    assert DealRegistration.objects.count() == 0


def test_command_refuses_another_organizations_partner_and_inactive_ones(partner, other_org, line, tmp_path):
    path = tmp_path / "mail.txt"
    path.write_text(BODY.split("\n", 2)[2], encoding="utf-8")
    with pytest.raises(CommandError, match="No active partner"):
        call_command(
            "registration_intake", "--organization", other_org.slug, "--partner", str(partner.pk), str(path)
        )
    Partner.objects.filter(pk=partner.pk).update(status=Partner.Status.INACTIVE)
    with pytest.raises(CommandError, match="No active partner"):
        call_command("registration_intake", "--organization", "acme", "--partner", str(partner.pk), str(path))
    assert DealRegistration.objects.count() == 0
