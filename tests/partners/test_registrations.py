"""Deal registration: submission, the stored conflict check, attachments, protection and expiry."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.models import DealRegistration, RegistrationAttachment, RegistrationStatus
from partners.selectors.conflicts import partner_summary
from partners.services.approvals import registration_decide
from partners.services.registrations import registration_submit, registrations_expire
from revops.models import AuditEvent
from tests.partners.factories import registration_input
from tests.revops.factories import AccountFactory, OpportunityFactory

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


def test_submit_stores_registration_with_chain_and_audit(partner_user, line):
    # when
    registration = registration_submit(membership=partner_user, data=registration_input(line))
    # then
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.SUBMITTED
    assert registration.partner_id == partner_user.partner_id
    assert registration.submitted_by_id == partner_user.user_id
    assert registration.has_conflict is False
    assert registration.conflict["accounts"] == []
    assert [s["name"] for s in registration.steps] == ["Approval"]
    assert registration.domain_key == "bluebird.example"
    assert (
        AuditEvent.objects.filter(action="deal_registration.submit", object_id=str(registration.pk)).count()
        == 1
    )


def test_conflict_same_domain_lists_account_deal_and_owner(org, partner_user, rep, line):
    # given
    account = AccountFactory(
        organization=org, name="Totally Different Name", domain="bluebird.example", owner=rep.user
    )
    deal = OpportunityFactory(organization=org, account=account, owner=rep.user, name="Bluebird expansion")
    # when
    registration = registration_submit(membership=partner_user, data=registration_input(line))
    # then
    check = registration.conflict
    assert [(a["id"], a["reason"]) for a in check["accounts"]] == [(account.pk, "domain")]
    assert [o["id"] for o in check["opportunities"]] == [deal.pk]
    assert check["owner"] == (rep.user.get_full_name() or rep.user.email)
    assert registration.has_conflict is True


def test_conflict_fuzzy_name_matches_account(org, partner_user, line):
    # given
    account = AccountFactory(organization=org, name="Bluebird Logistic GmbH", domain="")
    # when
    registration = registration_submit(
        membership=partner_user, data=registration_input(line, domain="", contact_email="ada@gmail.com")
    )
    # then
    assert [(a["id"], a["reason"]) for a in registration.conflict["accounts"]] == [
        (account.pk, "similar name")
    ]
    assert registration.has_conflict is False  # an account alone is not a conflict


def test_other_partners_active_registration_is_a_conflict(partner_user, other_partner_user, line):
    # given
    first = registration_submit(membership=other_partner_user, data=registration_input(line))
    # when
    second = registration_submit(
        membership=partner_user, data=registration_input(line, domain="www.Bluebird.example")
    )
    # then
    assert [r["id"] for r in second.conflict["registrations"]] == [first.pk]
    assert second.has_conflict is True
    summary = partner_summary(second.conflict)
    assert summary == ["Another partner has registered this company."]
    assert all("Contoso" not in line_ for line_ in summary)


def test_partner_summary_names_nobody(org, partner_user, other_partner_user, rep, line):
    # given
    account = AccountFactory(
        organization=org, name="Bluebird Logistics", domain="bluebird.example", owner=rep.user
    )
    OpportunityFactory(organization=org, account=account, owner=rep.user, name="Secret rep deal")
    registration_submit(membership=other_partner_user, data=registration_input(line))
    # when
    registration = registration_submit(membership=partner_user, data=registration_input(line))
    text = " ".join(partner_summary(registration.conflict))
    # then
    assert text == (
        "This company is already an account in our CRM. Our sales team has 1 open opportunity with it. "
        "Another partner has registered this company."
    )


def test_internal_role_cannot_submit(manager, line):
    with pytest.raises(PermissionDenied):
        registration_submit(membership=manager, data=registration_input(line))
    assert DealRegistration.objects.count() == 0


def test_negative_value_is_refused_naming_the_field(partner_user, line):
    with pytest.raises(ValidationError) as exc:
        registration_submit(membership=partner_user, data=registration_input(line, estimated_value=-1))
    assert "estimated_value" in str(exc.value) or "negative" in str(exc.value)
    assert DealRegistration.objects.count() == 0


def test_pdf_attachment_is_stored(partner_user, line, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("deal.pdf", PDF, content_type="application/pdf")
    registration = registration_submit(
        membership=partner_user, data=registration_input(line), attachments=[upload]
    )
    attachment = RegistrationAttachment.objects.get(registration=registration)
    assert (attachment.name, attachment.size) == ("deal.pdf", len(PDF))


@pytest.mark.parametrize(
    ("_case", "name", "content", "message"),
    [
        ("_wrong_type", "run.exe", b"MZ....", "run.exe: files of this type are not accepted"),
        ("_fake_pdf", "deal.pdf", b"<html>", "deal.pdf: the content is not a PDF file."),
        ("_too_big", "big.txt", b"a" * (5 * 1024 * 1024 + 1), "big.txt: larger than 5 MB."),
    ],
)
def test_bad_attachment_refuses_everything(partner_user, line, _case, name, content, message):
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError) as exc:
        registration_submit(membership=partner_user, data=registration_input(line), attachments=[upload])
    assert any(m.startswith(message) for m in exc.value.message_dict["attachments"])
    assert DealRegistration.objects.count() == 0
    assert RegistrationAttachment.objects.count() == 0


NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _approved(membership, approver, line, **overrides):
    registration = registration_submit(
        membership=membership, data=registration_input(line, **overrides), now=NOW
    )
    return registration_decide(membership=approver, registration_id=registration.pk, approve=True, now=NOW)


def test_second_registration_inside_window_cannot_be_approved(
    partner_user, other_partner_user, manager, line
):
    # given
    first = _approved(partner_user, manager, line)
    second = registration_submit(membership=other_partner_user, data=registration_input(line), now=NOW)
    # then: flagged at submission
    assert second.conflict["protected_by"] == first.pk
    assert second.has_conflict is True
    # when / then: refused, nothing written
    with pytest.raises(Exception, match=f"Registration {first.pk} protects"):
        registration_decide(membership=manager, registration_id=second.pk, approve=True, now=NOW)
    second.refresh_from_db()
    assert second.status == RegistrationStatus.SUBMITTED
    assert second.decisions.count() == 0


def test_other_product_line_is_not_protected(org, partner_user, other_partner_user, manager, line):
    from tests.revops.factories import ProductLineFactory

    # given
    _approved(partner_user, manager, line)
    other_line = ProductLineFactory(organization=org, name="Platform", code="platform")
    # when
    second = _approved(other_partner_user, manager, other_line)
    # then
    assert second.status == RegistrationStatus.APPROVED


def test_approval_after_window_expired_is_allowed(org, partner_user, other_partner_user, manager, line):
    # given: the first protected 90 days from 2026-03-02
    first = _approved(partner_user, manager, line)
    assert first.protected_until == dt.date(2026, 5, 31)
    second = registration_submit(membership=other_partner_user, data=registration_input(line), now=NOW)
    # when: the scheduled expiry runs the day after
    counts = registrations_expire(organization=org, today=dt.date(2026, 6, 1))
    later = NOW + dt.timedelta(days=91)
    approved = registration_decide(membership=manager, registration_id=second.pk, approve=True, now=later)
    # then
    first.refresh_from_db()
    assert (counts.expired, first.status) == (1, RegistrationStatus.EXPIRED)
    assert approved.status == RegistrationStatus.APPROVED
    assert approved.opportunity_id == first.opportunity_id  # the same open deal, linked again


def test_withdrawn_first_registration_frees_the_account(partner_user, other_partner_user, manager, line):
    from partners.services.registrations import registration_withdraw

    first = _approved(partner_user, manager, line)
    registration_withdraw(membership=partner_user, registration=first)
    second = _approved(other_partner_user, manager, line)
    assert second.status == RegistrationStatus.APPROVED


def test_expiry_warns_ahead_once_and_expires_once(
    org, partner_user, manager, line, django_capture_on_commit_callbacks
):
    # given: protected until 2026-05-31, notice 14 days ahead
    registration = _approved(partner_user, manager, line)
    mail.outbox.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        early = registrations_expire(organization=org, today=dt.date(2026, 5, 16))
        warned = registrations_expire(organization=org, today=dt.date(2026, 5, 17))
        again = registrations_expire(organization=org, today=dt.date(2026, 5, 20))
        expired = registrations_expire(organization=org, today=dt.date(2026, 6, 1))
        twice = registrations_expire(organization=org, today=dt.date(2026, 6, 2))
    # then
    assert [(c.expired, c.noticed) for c in (early, warned, again, expired, twice)] == [
        (0, 0),
        (0, 1),
        (0, 0),
        (1, 0),
        (0, 0),
    ]
    assert [m.subject for m in mail.outbox] == [
        f"Registration {registration.pk} (Bluebird Logistics) expires on 2026-05-31",
        f"Registration {registration.pk} (Bluebird Logistics) has expired",
    ]
    assert mail.outbox[0].to == [partner_user.user.email]


def test_expiry_task_runs_the_service(org, partner_user, manager, line):
    from partners.tasks import expire_registrations_task

    registration = _approved(partner_user, manager, line)
    DealRegistration.objects.filter(pk=registration.pk).update(protected_until=dt.date(2020, 1, 1))
    result = expire_registrations_task()
    registration.refresh_from_db()
    assert result == {"organizations": 1, "expired": 1, "noticed": 0}
    assert registration.status == RegistrationStatus.EXPIRED
