"""Partner disputes: opening in scope, the thread, withdrawal, and resolution — an accepted
dispute posts exactly one adjustment citing it, a rejected one leaves the ledger alone."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from attribution.models import AttributionEntry, OpportunityPartner
from attribution.services.recompute import attribution_recompute
from attribution.services.verify import ledger_verify
from partners.models import DisputeComment, DisputeStatus, PartnerDispute
from partners.services.disputes import (
    OWN_DISPUTE,
    REJECT_REASON_REQUIRED,
    dispute_comment,
    dispute_open,
    dispute_open_from_entry,
    dispute_resolve,
    dispute_withdraw,
)
from revops.exceptions import ApplicationError
from revops.models import AuditEvent, FiscalPeriod, Opportunity
from revops.services.periods import period_close, periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def months(org):
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    return {p.start_date.month: p for p in FiscalPeriod.objects.filter(organization=org)}


@pytest.fixture
def deal(org, months, rep_opportunity, partner):
    """The rep's deal, Northwind at 10 % (referral), 1,000.00 of January revenue, posted."""
    OpportunityPartnerFactory(
        organization=org,
        opportunity=rep_opportunity,
        partner=partner,
        role="referral",
        split_percent=Decimal("10"),
    )
    RevenueEventFactory(
        organization=org, opportunity=rep_opportunity, date=dt.date(2026, 1, 20), amount=Decimal("1000.00")
    )
    attribution_recompute(organization=org)
    return rep_opportunity


def _open(membership, deal, percent="15", **extra):
    return dispute_open(
        membership=membership,
        opportunity_id=deal.pk,
        claim="We sourced this deal; the split should be 15 %.",
        proposed_split_percent=Decimal(percent),
        **extra,
    )


def _ledger(org):
    entries = AttributionEntry.objects.filter(organization=org)
    return entries.count(), entries.aggregate(t=Sum("amount"))["t"]


def _referencing(org, dispute):
    return [
        e
        for e in AttributionEntry.objects.filter(organization=org).select_related("explanation_ref")
        if (e.explanation.get("reference") or {}).get("id") == dispute.pk
        and e.explanation["reference"]["kind"] == "partner_dispute"
    ]


def test_partner_opens_a_dispute_on_their_deal_due_by_the_sla(org, deal, partner_user, manager):
    # when
    dispute = _open(partner_user, deal)
    # then
    assert (dispute.status, dispute.side, dispute.role) == ("open", "partner", "referral")
    assert (dispute.current_split_percent, dispute.proposed_split_percent) == (
        Decimal("10.00"),
        Decimal("15"),
    )
    assert dispute.due_at - dispute.created_at == dt.timedelta(hours=120) or abs(
        (dispute.due_at - dispute.created_at) - dt.timedelta(hours=120)
    ) < dt.timedelta(seconds=5)
    assert AuditEvent.objects.filter(action="partner_dispute.open", object_id=str(dispute.pk)).count() == 1


def test_opening_mails_the_internal_side_after_commit(
    org, deal, partner_user, manager, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        dispute = _open(partner_user, deal)
    # then
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"Dispute {dispute.pk} opened on {deal.name}"
    assert "manager@acme.test" in mail.outbox[0].to
    assert "rep1@acme.test" in mail.outbox[0].to


def test_partner_cannot_open_on_another_partners_deal(org, deal, other_partner_user):
    # when / then: the deal does not exist for them
    with pytest.raises(Opportunity.DoesNotExist):
        _open(other_partner_user, deal)
    assert PartnerDispute.objects.count() == 0


def test_nobody_opens_on_another_organizations_deal(org, other_org_opportunity, partner_user, admin):
    # when / then
    for member in (partner_user, admin):
        with pytest.raises(Opportunity.DoesNotExist):
            _open(member, other_org_opportunity)
    assert PartnerDispute.objects.count() == 0


def test_rep_opens_for_a_linked_partner_on_their_own_deal_only(
    org, deal, rep, other_rep, partner, other_partner
):
    # when
    dispute = _open(rep, deal, partner_id=partner.pk)
    # then
    assert (dispute.side, dispute.partner_id) == ("internal", partner.pk)
    with pytest.raises(Opportunity.DoesNotExist):
        _open(other_rep, deal, partner_id=partner.pk)
    with pytest.raises(ValidationError) as refused:
        _open(rep, deal, partner_id=other_partner.pk)
    assert refused.value.message_dict == {"partner": ["This partner is not linked to the deal."]}
    assert PartnerDispute.objects.count() == 1


@pytest.mark.parametrize(
    "_case, claim, percent, field",
    [("no claim", "  ", "15", "claim"), ("over 100", "Too low", "101", "proposed_split_percent")],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    org, deal, partner_user, _case, claim, percent, field
):
    # when
    with pytest.raises(ValidationError) as refused:
        dispute_open(
            membership=partner_user,
            opportunity_id=deal.pk,
            claim=claim,
            proposed_split_percent=Decimal(percent),
        )
    # then
    assert list(refused.value.message_dict) == [field]
    assert PartnerDispute.objects.count() == 0
    assert AuditEvent.objects.filter(action="partner_dispute.open").count() == 0


def test_a_bad_attachment_refuses_the_whole_dispute(org, deal, partner_user):
    # given
    fake_pdf = SimpleUploadedFile("proof.pdf", b"not a pdf at all", content_type="application/pdf")
    # when
    with pytest.raises(ValidationError) as refused:
        _open(partner_user, deal, attachments=[fake_pdf])
    # then
    assert refused.value.message_dict == {"attachments": ["proof.pdf: the content is not a PDF file."]}
    assert PartnerDispute.objects.count() == 0


def test_evidence_is_stored_with_the_dispute(org, deal, partner_user):
    # when
    dispute = _open(
        partner_user,
        deal,
        attachments=[SimpleUploadedFile("proof.csv", b"deal,sourced\nyes,1\n", "text/csv")],
    )
    # then
    assert [(a.name, a.size) for a in dispute.attachments.all()] == [("proof.csv", 19)]


def test_opening_from_a_statement_line_takes_its_deal(org, deal, partner_user):
    # given
    entry = AttributionEntry.objects.get(organization=org, partner=partner_user.partner)
    # when
    dispute = dispute_open_from_entry(
        membership=partner_user, entry_id=entry.pk, claim="Wrong split", proposed_split_percent=Decimal("12")
    )
    # then
    assert (dispute.opportunity_id, dispute.entry_id) == (deal.pk, entry.pk)


def test_another_partners_statement_line_does_not_exist(org, deal, other_partner_user):
    # given
    entry = AttributionEntry.objects.get(organization=org)
    # when / then
    with pytest.raises(AttributionEntry.DoesNotExist):
        dispute_open_from_entry(
            membership=other_partner_user,
            entry_id=entry.pk,
            claim="Mine",
            proposed_split_percent=Decimal("12"),
        )
    assert PartnerDispute.objects.count() == 0


def test_accepted_dispute_posts_exactly_one_adjustment_citing_it(
    org, deal, partner_user, manager, django_capture_on_commit_callbacks
):
    # given
    dispute = _open(partner_user, deal)
    count_before, total_before = _ledger(org)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        dispute_resolve(membership=manager, dispute_id=dispute.pk, accept=True, reason="Evidence holds")
    # then: one adjustment of +50.00 citing the dispute; the queued alignment adds nothing
    dispute.refresh_from_db()
    cited = _referencing(org, dispute)
    assert [(e.kind, e.amount, e.split_percent) for e in cited] == [
        ("adjustment", Decimal("50.00"), Decimal("15.00"))
    ]
    assert _ledger(org) == (count_before + 1, total_before + Decimal("50.00"))
    assert (dispute.status, dispute.reviewer_id, dispute.adjustment_entries) == (
        "accepted",
        manager.user_id,
        1,
    )
    assert dispute.adjustment_amount == Decimal("50.00")
    link = OpportunityPartner.objects.get(opportunity=deal, partner=partner_user.partner)
    assert link.split_percent == Decimal("15.00")
    assert ledger_verify(organization=org).ok
    assert AuditEvent.objects.filter(action="partner_dispute.accept", object_id=str(dispute.pk)).count() == 1
    assert (
        AuditEvent.objects.filter(
            action="opportunity_partner.set", reason__contains=f"dispute {dispute.pk}"
        ).count()
        == 1
    )
    assert [m.subject for m in mail.outbox][-1] == f"Dispute {dispute.pk} was accepted"
    assert "partner1@acme.test" in mail.outbox[-1].to


def test_accepted_dispute_never_changes_a_closed_period(
    org, months, deal, partner_user, manager, finance_admin
):
    # given: January posted, then closed
    january_before = AttributionEntry.objects.filter(period=months[1]).aggregate(t=Sum("amount"))["t"]
    january_count = AttributionEntry.objects.filter(period=months[1]).count()
    period_close(period=months[1], actor=finance_admin.user)
    dispute = _open(partner_user, deal)
    # when
    dispute_resolve(membership=manager, dispute_id=dispute.pk, accept=True)
    # then: the adjustment lands in February, for January's revenue
    (adjustment,) = _referencing(org, dispute)
    assert (adjustment.period_id, adjustment.revenue_period_id) == (months[2].pk, months[1].pk)
    assert AttributionEntry.objects.filter(period=months[1]).count() == january_count
    assert AttributionEntry.objects.filter(period=months[1]).aggregate(t=Sum("amount"))["t"] == january_before
    assert ledger_verify(organization=org).ok


def test_rejected_dispute_leaves_the_ledger_and_the_split_alone(
    org, deal, partner_user, manager, django_capture_on_commit_callbacks
):
    # given
    dispute = _open(partner_user, deal)
    before = _ledger(org)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        dispute_resolve(membership=manager, dispute_id=dispute.pk, accept=False, reason="The rep sourced it")
    # then
    dispute.refresh_from_db()
    assert (dispute.status, dispute.resolution_reason) == ("rejected", "The rep sourced it")
    assert _ledger(org) == before
    assert OpportunityPartner.objects.get(opportunity=deal).split_percent == Decimal("10.00")
    assert mail.outbox[-1].subject == f"Dispute {dispute.pk} was rejected"
    assert "Reason: The rep sourced it" in mail.outbox[-1].body


def test_reject_without_reason_is_refused_and_nothing_changes(org, deal, partner_user, manager):
    # given
    dispute = _open(partner_user, deal)
    before = _ledger(org)
    # when
    with pytest.raises(ValidationError) as refused:
        dispute_resolve(membership=manager, dispute_id=dispute.pk, accept=False, reason="  ")
    # then
    assert refused.value.message_dict == {"reason": [REJECT_REASON_REQUIRED]}
    dispute.refresh_from_db()
    assert (dispute.status, dispute.reviewer_id, dispute.resolved_at) == ("open", None, None)
    assert _ledger(org) == before
    assert AuditEvent.objects.filter(action__startswith="partner_dispute.re").count() == 0


def test_nobody_resolves_a_dispute_they_opened(org, deal, manager, partner):
    # given: the manager opens one for the partner (the rep's deal is in their team)
    dispute = _open(manager, deal, partner_id=partner.pk)
    before = _ledger(org)
    # when
    with pytest.raises(ApplicationError, match=OWN_DISPUTE):
        dispute_resolve(membership=manager, dispute_id=dispute.pk, accept=True)
    # then
    dispute.refresh_from_db()
    assert dispute.status == "open"
    assert _ledger(org) == before
    assert OpportunityPartner.objects.get(opportunity=deal).split_percent == Decimal("10.00")


def test_a_resolved_dispute_stays_resolved(org, deal, partner_user, manager, admin):
    # given
    dispute = _open(partner_user, deal)
    dispute_resolve(membership=manager, dispute_id=dispute.pk, accept=False, reason="No")
    before = _ledger(org)
    # when / then
    with pytest.raises(ApplicationError, match="already rejected"):
        dispute_resolve(membership=admin, dispute_id=dispute.pk, accept=True)
    assert _ledger(org) == before
    assert PartnerDispute.objects.get(pk=dispute.pk).status == "rejected"


def test_a_manager_of_another_team_does_not_find_it(org, deal, partner_user, other_team_manager):
    # given
    dispute = _open(partner_user, deal)
    # when / then
    with pytest.raises(PartnerDispute.DoesNotExist):
        dispute_resolve(membership=other_team_manager, dispute_id=dispute.pk, accept=True)
    assert PartnerDispute.objects.get(pk=dispute.pk).status == "open"


def test_internal_note_is_for_internal_members_and_review_starts(org, deal, partner_user, manager):
    # given
    dispute = _open(partner_user, deal)
    # when
    dispute_comment(membership=manager, dispute_id=dispute.pk, body="Check the CRM history", internal=True)
    dispute_comment(membership=partner_user, dispute_id=dispute.pk, body="Here is our proof")
    # then
    dispute.refresh_from_db()
    assert (dispute.status, dispute.reviewer_id) == (DisputeStatus.UNDER_REVIEW, manager.user_id)
    assert list(DisputeComment.objects.values_list("internal", "side").order_by("id")) == [
        (True, "internal"),
        (False, "partner"),
    ]
    with pytest.raises(Exception) as refused:
        dispute_comment(membership=partner_user, dispute_id=dispute.pk, body="sneaky", internal=True)
    assert type(refused.value).__name__ == "PermissionDenied"
    assert DisputeComment.objects.count() == 2


def test_internal_notes_are_never_mailed(
    org, deal, partner_user, manager, django_capture_on_commit_callbacks
):
    # given
    dispute = _open(partner_user, deal)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        dispute_comment(membership=manager, dispute_id=dispute.pk, body="Sandpiper internal", internal=True)
    # then
    assert all("Sandpiper" not in m.body for m in mail.outbox)


def test_withdraw_by_the_opener_only(org, deal, partner_user, partner_manager, manager):
    # given
    dispute = _open(partner_user, deal)
    # when / then: a colleague with the grant sees it but does not withdraw it
    with pytest.raises(ApplicationError, match="Only the person who opened"):
        dispute_withdraw(membership=partner_manager, dispute_id=dispute.pk)
    assert PartnerDispute.objects.get(pk=dispute.pk).status == "open"
    dispute_withdraw(membership=partner_user, dispute_id=dispute.pk)
    assert PartnerDispute.objects.get(pk=dispute.pk).status == "withdrawn"
    with pytest.raises(ApplicationError, match="already withdrawn"):
        dispute_resolve(membership=manager, dispute_id=dispute.pk, accept=True)
